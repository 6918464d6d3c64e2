using System.Text.Json;
using Signing.TestKit;

namespace Signing.Tokens.Tests;

/// <summary>`esign` run as a child process, with SOFTHSM2_CONF in its own environment, as a person or a script would.</summary>
[Collection(TokenCollection.Name)]
public sealed class CliTests(TokenWorld world)
{
    private (int Exit, string Stdout, string Stderr) Run(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null, string? softHsmConf = null) =>
        EsignProcess.Run(world, args, env, stdin, softHsmConf);

    private string Form()
    {
        var path = Path.Combine(world.WorkDirectory, "form.json");
        File.WriteAllText(path, "{\"basvuruNedeni\":\"YENİLEME\",\"sure\":\"3 yıl\"}");
        return path;
    }

    [Fact]
    public void Token_list_json_names_every_persona_token()
    {
        var (exit, stdout, stderr) = Run(["token", "list", "--json"]);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var labels = doc.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("label").GetString()).ToHashSet();
        foreach (var persona in world.Manifest.Personas)
            Assert.Contains(persona.TokenLabel, labels);
    }

    [Fact]
    public void Token_list_as_a_table_shows_labels_and_flags()
    {
        var (exit, stdout, _) = Run(["token", "list"]);
        Assert.Equal(0, exit);
        Assert.Contains("server-mersin", stdout);
        Assert.Contains("login required", stdout);
    }

    [Theory]
    [InlineData("doctor", "valid")]
    [InlineData("fp-expiring", "expiring")]
    [InlineData("fp-expired", "expired")]
    public void Token_show_json_gives_key_type_and_status_with_days_left(string personaId, string status)
    {
        var persona = world.Persona(personaId);
        var (exit, stdout, stderr) = Run(["token", "show", "--token", persona.TokenLabel, "--json"]);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var certificate = Assert.Single(doc.RootElement.GetProperty("certificates").EnumerateArray().ToList());
        Assert.Equal(persona.ObjectIdHex, certificate.GetProperty("id").GetString());
        Assert.Equal("RSA-2048", certificate.GetProperty("keyType").GetString());
        Assert.Equal(status, certificate.GetProperty("status").GetString());
        var expectedDays = (int)Math.Floor((persona.NotAfter - DateTimeOffset.UtcNow).TotalDays);
        Assert.InRange(certificate.GetProperty("daysLeft").GetInt32(), expectedDays - 1, expectedDays + 1);
    }

    [Fact]
    public void Token_show_with_login_sees_the_private_key()
    {
        var persona = world.Persona("doctor-ecdsa");
        var (exit, stdout, stderr) = Run(["token", "show", "--token", persona.TokenLabel, "--json", "--pin-stdin"], stdin: persona.UserPin + "\n");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var certificate = doc.RootElement.GetProperty("certificates")[0];
        Assert.True(certificate.GetProperty("privateKey").GetBoolean());
        Assert.Equal("EC P-256", certificate.GetProperty("keyType").GetString());
    }

    [Fact]
    public void Sign_attached_with_a_PIN_from_the_environment_verifies_with_openssl_cades()
    {
        var persona = world.Persona("doctor");
        var output = Path.Combine(world.WorkDirectory, "cli-attached.p7s");
        var (exit, _, stderr) = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-env", "ESIGN_TEST_PIN"],
            env: new Dictionary<string, string?> { ["ESIGN_TEST_PIN"] = persona.UserPin });
        Assert.True(exit == 0, stderr);
        var (ok, text) = world.OpenSslVerify(persona, File.ReadAllBytes(output), null, "cli-attached-check");
        Assert.True(ok == 0, text);
    }

    [Fact]
    public void Sign_with_the_sub_CA_in_the_chain_verifies_against_the_root_alone()
    {
        // The acceptance check by hand: openssl cms -verify -cades … -CAfile <root> (nothing else).
        var persona = world.Persona("doctor");
        var output = Path.Combine(world.WorkDirectory, "cli-chain.p7s");
        var (exit, _, stderr) = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-stdin",
            "--chain", world.Manifest.Pki.NesSubCaCertificate], stdin: persona.UserPin + "\n");
        Assert.True(exit == 0, stderr);
        var verify = TokenWorld.Run("openssl", ["cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", output,
            "-CAfile", world.Manifest.Pki.RootCertificate, "-out", "/dev/null"]);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.Equal(2, new Org.BouncyCastle.Cms.CmsSignedData(File.ReadAllBytes(output)).GetCertificates().EnumerateMatches(null).Count());
    }

    [Fact]
    public void Sign_detached_ECDSA_with_a_PIN_from_stdin_verifies_with_openssl_cades()
    {
        var persona = world.Persona("officer-mersin-2");
        var form = Form();
        var output = Path.Combine(world.WorkDirectory, "cli-detached.p7s");
        var (exit, stdout, stderr) = Run(["sign", form, "--token", persona.TokenLabel, "--detached", "-o", output, "--pin-stdin", "--json"],
            stdin: persona.UserPin + "\n");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("detached").GetBoolean());
        var (ok, text) = world.OpenSslVerify(persona, File.ReadAllBytes(output), File.ReadAllBytes(form), "cli-detached-check");
        Assert.True(ok == 0, text);
    }

    [Fact]
    public void Sign_with_host_hashing_and_PSS_verifies_with_openssl()
    {
        var persona = world.Persona("manager");
        var output = Path.Combine(world.WorkDirectory, "cli-pss.p7s");
        var (exit, _, stderr) = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-stdin", "--pss", "--host-hash"],
            stdin: persona.UserPin + "\n");
        Assert.True(exit == 0, stderr);
        var (ok, text) = world.OpenSslVerify(persona, File.ReadAllBytes(output), null, "cli-pss-check");
        Assert.True(ok == 0, text);
    }

    [Fact]
    public void A_wrong_PIN_is_one_line_with_tries_left_and_exit_13()
    {
        var persona = world.Persona("individual");
        var output = Path.Combine(world.WorkDirectory, "cli-wrong.p7s");
        var (exit, stdout, stderr) = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-stdin"], stdin: "99999999\n");
        Assert.Equal(13, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("esign: wrong PIN for token 'individual'", line);
        Assert.Contains("tries left", line);
        Assert.DoesNotContain("99999999", stdout + stderr);
        Assert.False(File.Exists(output));
        // Leave the world clean: the right PIN works afterwards (and resets the token's failure count).
        using var session = world.Login("individual");
    }

    [Fact]
    public void No_PIN_is_exit_15()
    {
        var (exit, _, stderr) = Run(["sign", Form(), "--token", "doctor", "-o", Path.Combine(world.WorkDirectory, "x.p7s"), "--pin-env", "ESIGN_PIN_NOT_SET"]);
        Assert.Equal(15, exit);
        Assert.Contains("no PIN", stderr);
    }

    [Fact]
    public void A_missing_module_is_exit_10()
    {
        var (exit, _, stderr) = Run(["token", "list", "--module", "/nonexistent/libakisp11.so"]);
        Assert.Equal(10, exit);
        Assert.Contains("/nonexistent/libakisp11.so", stderr);
    }

    [Fact]
    public void An_unknown_token_is_exit_11_with_json_error()
    {
        var (exit, stdout, _) = Run(["token", "show", "--token", "nobody", "--json"]);
        Assert.Equal(11, exit);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("NoToken", doc.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Without_nonRepudiation_the_automatic_pick_is_exit_16_and_an_explicit_pick_signs_with_a_warning()
    {
        var persona = world.Persona("no-nonrepudiation");
        var output = Path.Combine(world.WorkDirectory, "cli-nonr.p7s");
        var refused = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-stdin"], stdin: persona.UserPin + "\n");
        Assert.Equal(16, refused.Exit);
        var chosen = Run(["sign", Form(), "--token", persona.TokenLabel, "-o", output, "--pin-stdin", "--cert-id", persona.ObjectIdHex],
            stdin: persona.UserPin + "\n");
        Assert.True(chosen.Exit == 0, chosen.Stderr);
        Assert.Contains("warning", chosen.Stderr);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void A_missing_input_file_is_exit_2()
    {
        var (exit, _, stderr) = Run(["sign", "/nonexistent/form.json", "--token", "doctor", "-o", Path.Combine(world.WorkDirectory, "y.p7s"), "--pin-env", "X"]);
        Assert.Equal(2, exit);
        Assert.Contains("file not found", stderr);
    }

    [Fact]
    public void Help_documents_the_exit_codes_and_the_usual_module_paths()
    {
        var (exit, stdout, _) = Run(["sign", "--help"]);
        Assert.Equal(0, exit);
        Assert.Contains("13 wrong PIN", stdout);
        Assert.Contains("libakisp11.so", stdout);
        Assert.Contains("opensc-pkcs11.so", stdout);
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_exit_17_on_a_scratch_token()
    {
        // A token of our own (never a persona's): a certificate imported without its key.
        var dir = Directory.CreateDirectory(Path.Combine(world.WorkDirectory, "scratch-hsm")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "tokens"));
        var conf = Path.Combine(dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {dir}/tokens/\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        var env = new Dictionary<string, string?> { ["SOFTHSM2_CONF"] = conf };
        var init = TokenWorld.Run("softhsm2-util", ["--init-token", "--free", "--label", "scratch", "--so-pin", "12345678", "--pin", "1234"], env);
        Assert.True(init.ExitCode == 0, init.Output);
        var der = Path.Combine(dir, "cert.der");
        File.WriteAllBytes(der, HsmWorldFixture.ReadCertificate(world.Persona("doctor").CertificatePath).GetEncoded());
        var write = TokenWorld.Run("pkcs11-tool", ["--module", world.Manifest.Pkcs11Module, "--token-label", "scratch", "--login", "--pin", "1234",
            "--write-object", der, "--type", "cert", "--id", "01", "--label", "orphan"], env);
        Assert.True(write.ExitCode == 0, write.Output);

        var (exit, _, stderr) = Run(["sign", Form(), "--token", "scratch", "-o", Path.Combine(dir, "z.p7s"), "--pin-stdin"], stdin: "1234\n", softHsmConf: conf);
        Assert.Equal(17, exit);
        Assert.Contains("no private key", stderr);
    }
}
