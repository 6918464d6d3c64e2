using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Tsp;
using Signing.HsmSim;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Tokens.Tests;

/// <summary>A private `hsm-sim serve` with only its RFC 3161 TSA (the world's TSA certificate, on a free port of its own).</summary>
public sealed class TsaServe : IDisposable
{
    private readonly PkiServices _pki = new();

    public PkiServeProcess Serve { get; }
    public string TsaUrl => Serve.Ready.TsaUrl ?? throw new InvalidOperationException("the serve runs no TSA");

    public TsaServe() =>
        Serve = _pki.StartPrivate(new PkiServeOptions { Ocsp = false, Crl = false, OpensslOcsp = false });

    public void Dispose() => _pki.Dispose();
}

/// <summary>
/// `esign sign --tsa`: a real token signs, a real TSA answers over HTTP, and the verification engine judges the CAdES-T
/// with the world's trust file. A TSA that fails leaves no output behind.
/// </summary>
[Collection(TokenCollection.Name)]
public sealed class CliTimestampTests(TokenWorld world, TsaServe tsa) : IClassFixture<TsaServe>
{
    private const string PinVariable = "ESIGN_TEST_PIN";

    private (int Exit, string Stdout, string Stderr) Sign(string output, string tsaUrl, params string[] more)
    {
        var persona = world.Persona("doctor");
        var form = Path.Combine(world.WorkDirectory, "tsa-form.json");
        File.WriteAllText(form, "{\"basvuruNedeni\":\"YENİLEME\"}");
        return EsignProcess.Run(world, ["sign", form, "--token", persona.TokenLabel, "-o", output, "--pin-env", PinVariable, "--tsa", tsaUrl, .. more],
            env: new Dictionary<string, string?> { [PinVariable] = persona.UserPin });
    }

    /// <summary>A CAdES-T made by esign against the private TSA: the file and the --json output.</summary>
    private (byte[] Cms, JsonElement Json) SignStamped(string name)
    {
        var output = Path.Combine(world.WorkDirectory, name);
        var (exit, stdout, stderr) = Sign(output, tsa.TsaUrl, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        return (File.ReadAllBytes(output), doc.RootElement.Clone());
    }

    private static SignerInformation SignerOf(byte[] cms) => new CmsSignedData(cms).GetSignerInfos().GetSigners().Single();

    private static TimeStampToken TokenOf(byte[] cms)
    {
        var attribute = SignerOf(cms).UnsignedAttributes?[PkcsObjectIdentifiers.IdAASignatureTimeStampToken];
        Assert.NotNull(attribute);
        return new TimeStampToken(new CmsSignedData(attribute.AttrValues[0].ToAsn1Object().GetEncoded()));
    }

    private static Verdict Verify(byte[] cms, VerificationOptions? options = null, TrustConfiguration? trust = null) =>
        new CmsVerifier(trust ?? TrustConfiguration.Load(LocalWorld.TrustConfigurationPath)).Verify(cms, null, options ?? new VerificationOptions());

    /// <summary>The world's trust file, revocation best effort: judged years ahead, its CRLs are long past nextUpdate.</summary>
    private static TrustConfiguration TrustWithoutRequiredRevocation()
    {
        var path = LocalWorld.TrustConfigurationPath;
        var model = JsonSerializer.Deserialize<TrustConfiguration.FileModel>(File.ReadAllText(path),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        return TrustConfiguration.FromModel(model with { RequireRevocation = false }, Path.GetDirectoryName(path)!);
    }

    /// <summary>The CMS with <paramref name="donor"/>'s unsigned attributes (its signature timestamp) in place of its own.</summary>
    private static byte[] WithUnsignedAttributesOf(byte[] cms, byte[]? donor) =>
        CmsSignedData.ReplaceSigners(new CmsSignedData(cms), new SignerInformationStore(
            SignerInformation.ReplaceUnsignedAttributes(SignerOf(cms), donor is null ? null! : SignerOf(donor).UnsignedAttributes))).GetEncoded();

    [Fact]
    public void A_CAdES_T_from_sign_tsa_verifies_and_the_certificate_is_judged_at_the_tokens_time()
    {
        var (cms, json) = SignStamped("cades-t.p7s");
        var token = TokenOf(cms);
        var genTime = new DateTimeOffset(token.TimeStampInfo.GenTime.ToUniversalTime(), TimeSpan.Zero);
        Assert.Equal(SHA256.HashData(SignerOf(cms).GetSignature()), token.TimeStampInfo.GetMessageImprintDigest());

        Assert.Equal("CAdES-T", json.GetProperty("format").GetString());
        var reported = json.GetProperty("timestamp");
        Assert.Equal(tsa.TsaUrl, reported.GetProperty("tsa").GetString());
        Assert.Equal(genTime.ToString("yyyy-MM-ddTHH:mm:ssZ"), reported.GetProperty("time").GetString());
        Assert.Contains("Zaman Damgası", reported.GetProperty("tsaName").GetString());

        var now = Verify(cms);
        Assert.True(now.Passed, now.Reason);
        Assert.Equal(genTime.ToUnixTimeSeconds(), now.SignatureTimestampTime!.Value.ToUnixTimeSeconds());
        Assert.Contains(now.Checks, c => c.Name == "cades.signature-timestamp.message-imprint" && c.Result == CheckResult.Passed);

        // Three days after the signer certificate expired it still passes, because its checks ran at genTime; the same
        // signature without its timestamp is refused as expired.
        var afterExpiry = new VerificationOptions { At = world.Persona("doctor").NotAfter.AddDays(3), Revocation = RevocationMode.BestEffort };
        var lenient = TrustWithoutRequiredRevocation();
        var later = Verify(cms, afterExpiry, lenient);
        Assert.True(later.Passed, later.Reason);
        Assert.Equal(HolderStatus.Expired, later.Holder!.Status);
        Assert.Equal(genTime.ToUnixTimeSeconds(), later.SignatureTimestampTime!.Value.ToUnixTimeSeconds());
        var withoutTimestamp = Verify(WithUnsignedAttributesOf(cms, null), afterExpiry, lenient);
        Assert.Null(withoutTimestamp.SignatureTimestampTime);
        Assert.Equal(SubIndication.Expired, withoutTimestamp.SubIndication);
    }

    [Fact]
    public void A_flipped_byte_in_the_tokens_message_imprint_is_a_hash_failure_and_cms_verify_shows_the_timestamp()
    {
        var (cms, _) = SignStamped("cades-t-tamper.p7s");
        var genTime = TokenOf(cms).TimeStampInfo.GenTime.ToUniversalTime();
        var imprint = SHA256.HashData(SignerOf(cms).GetSignature());
        // The imprint's 32 bytes occur once in the CMS: inside the token's TSTInfo.
        var at = cms.AsSpan().IndexOf(imprint);
        Assert.True(at > 0);
        Assert.Equal(-1, cms.AsSpan(at + 1).IndexOf(imprint));
        var tampered = (byte[])cms.Clone();
        tampered[at + 7] ^= 0x01;

        // The changed imprint no longer covers the signature value (and breaks the TSA's signature too): the imprint is
        // compared first, so it is named as what it is.
        var verdict = Verify(tampered);
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
        Assert.StartsWith("signature timestamp:", verdict.Reason);
        Assert.Contains(verdict.Checks, c => c.Name == "cades.signature-timestamp.message-imprint" && c.Result == CheckResult.Failed);

        var good = EsignProcess.Run(world, ["cms", "verify", Path.Combine(world.WorkDirectory, "cades-t-tamper.p7s"),
            "--trust-config", LocalWorld.TrustConfigurationPath]);
        Assert.True(good.Exit == 0, good.Stdout + good.Stderr);
        Assert.Contains($"Timestamp:    {genTime:yyyy-MM-dd HH:mm:ss}Z", good.Stdout);
        var bad = EsignProcess.Run(world, ["cms", "verify", world.WriteTemp("cades-t-tampered.p7s", tampered),
            "--trust-config", LocalWorld.TrustConfigurationPath]);
        Assert.Equal(1, bad.Exit); // TOTAL_FAILED
        Assert.Contains("HASH_FAILURE", bad.Stdout);
        Assert.DoesNotContain("Timestamp:", bad.Stdout);
    }

    [Fact]
    public void A_genuine_token_whose_imprint_is_another_signatures_value_is_a_hash_failure()
    {
        // Two CAdES-T from the same TSA; the first's token moved onto the second: validly signed, over the wrong value.
        var (first, _) = SignStamped("cades-t-first.p7s");
        var (second, _) = SignStamped("cades-t-second.p7s");
        Assert.NotEqual(SignerOf(first).GetSignature(), SignerOf(second).GetSignature());
        var verdict = Verify(WithUnsignedAttributesOf(second, first));
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
        Assert.StartsWith("signature timestamp:", verdict.Reason);
        Assert.Contains(verdict.Checks, c => c.Name == "cades.signature-timestamp.message-imprint" && c.Result == CheckResult.Failed);
        Assert.True(Verify(first).Passed); // the token itself is genuine where it belongs
        Assert.True(Verify(second).Passed);
    }

    [Fact]
    public void A_tsa_where_nothing_listens_fails_naming_the_url_and_writes_nothing()
    {
        var url = $"http://127.0.0.1:{ServeProcesses.FreeLoopbackPort()}/tsa";
        var output = Path.Combine(world.WorkDirectory, "tsa-down.p7s");
        var (exit, stdout, stderr) = Sign(output, url, "--json");
        Assert.Equal(21, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"esign: timestamp authority {url} failed (unreachable):", line);
        Assert.Contains("no signature was written", line);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("TimestampFailed", doc.RootElement.GetProperty("error").GetString());
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(world.WorkDirectory, ".tsa-down.p7s.*"));
    }

    [Fact]
    public void A_tsa_that_never_answers_times_out_and_leaves_an_existing_output_as_it_was()
    {
        // Accepts the connection and reads nothing: only the client's own timeout ends the wait.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/tsa";
        var output = world.WriteTemp("tsa-silent.p7s", "earlier signature"u8.ToArray());
        var (exit, _, stderr) = Sign(output, url, "--tsa-timeout", "1");
        Assert.Equal(21, exit);
        Assert.Contains($"timestamp authority {url} failed (timed out): no answer within 1 s", stderr);
        Assert.Equal("earlier signature"u8.ToArray(), File.ReadAllBytes(output));
    }

    [Fact]
    public void A_tsa_url_answering_with_an_http_error_is_refused()
    {
        var url = tsa.Serve.BaseUrl + "/no-such-tsa";
        var output = Path.Combine(world.WorkDirectory, "tsa-404.p7s");
        var (exit, _, stderr) = Sign(output, url);
        Assert.Equal(21, exit);
        Assert.Contains($"timestamp authority {url} failed (refused): HTTP 404", stderr);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("ftp://tsa.example/", "1", "absolute http or https URL")]
    [InlineData("http://127.0.0.1:1/tsa", "0", "--tsa-timeout")]
    public void A_bad_tsa_option_is_bad_input_before_the_pin_is_asked_for(string url, string timeout, string message)
    {
        var form = Path.Combine(world.WorkDirectory, "tsa-form.json");
        File.WriteAllText(form, "{}");
        // No PIN in the environment: reaching the token would be exit 15, not 2.
        var (exit, _, stderr) = EsignProcess.Run(world, ["sign", form, "--token", "doctor", "-o", Path.Combine(world.WorkDirectory, "tsa-bad.p7s"),
            "--pin-env", "ESIGN_PIN_NOT_SET", "--tsa", url, "--tsa-timeout", timeout]);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Help_says_what_CAdES_T_is_and_lists_the_tsa_exit_code()
    {
        var (exit, stdout, _) = EsignProcess.Run(world, ["sign", "--help"]);
        Assert.Equal(0, exit);
        Assert.Contains("--tsa", stdout);
        Assert.Contains("CAdES-T", stdout);
        Assert.Contains("21 timestamp authority failed", stdout);
    }
}
