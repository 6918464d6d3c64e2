using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;

namespace Signing.Server.Tests;

/// <summary>
/// A receipt's signature carries an RFC 3161 signature timestamp from the world's TSA, asked for by the server's own
/// client, and OpenSSL's `ts -verify` accepts it over the receipt signature's value.
/// </summary>
/// <summary>The world's server with the world's TSA configured for receipts.</summary>
public sealed class TimestampingServer : SigningServer
{
    protected override void AddSettings(Dictionary<string, string?> settings) =>
        settings["Signing:Revocation:TsaUrl"] = LocalWorld.LoadManifest().Services.TsaUrl;
}

[Collection(PkiWorld.Collection)]
public sealed class ReceiptTimestampTests(TimestampingServer server, PkiServices pki) : IClassFixture<TimestampingServer>
{
    [Fact]
    public async Task OpenSSL_accepts_the_receipts_signature_timestamp()
    {
        pki.EnsureWorld();
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        var response = await server.Applications().SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, server.SystemHeaders());

        var signer = new CmsSignedData(response.Receipt.Signature.ToByteArray()).GetSignerInfos().GetSigners().Single();
        var attribute = signer.UnsignedAttributes?[PkcsObjectIdentifiers.IdAASignatureTimeStampToken];
        Assert.NotNull(attribute);
        var directory = Directory.CreateTempSubdirectory("signing-receipt-ts-").FullName;
        var token = Path.Combine(directory, "receipt.tst");
        File.WriteAllBytes(token, attribute!.AttrValues[0].ToAsn1Object().GetEncoded());

        var manifest = LocalWorld.LoadManifest();
        var (exit, output) = InteropTests.Run("openssl", ["ts", "-verify", "-token_in", "-in", token,
            "-digest", Convert.ToHexStringLower(SHA256.HashData(signer.GetSignature())),
            "-CAfile", manifest.Pki.RootCertificate, "-untrusted", manifest.Pki.TsaCertificate]);
        Assert.True(exit == 0, output);
        Assert.Contains("Verification: OK", output);

        // The same token over another value is refused: OpenSSL checks the imprint, not only the signature.
        (exit, output) = InteropTests.Run("openssl", ["ts", "-verify", "-token_in", "-in", token,
            "-digest", Convert.ToHexStringLower(SHA256.HashData("başka"u8)),
            "-CAfile", manifest.Pki.RootCertificate, "-untrusted", manifest.Pki.TsaCertificate]);
        Assert.NotEqual(0, exit);
    }
}
