using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// Independent clients: a form signed by OpenSSL through the PKCS#11 engine on a persona's token is accepted, and the
/// signed receipt verifies with `openssl cms -verify` against the root alone, and the batch it signs lists the receipt.
/// </summary>
public sealed class InteropTests(LiveSigningServer server) : IClassFixture<LiveSigningServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_form_signed_with_openssl_cms_cades_through_the_pkcs11_engine_is_accepted_and_its_receipt_verifies_with_openssl()
    {
        var persona = Cards.Manifest.Persona("manager");
        var form = Cards.Form("manager", server.NewTenant(), ApplicantCategory.Manager);
        var formPath = Write("form.json", Cards.Json(form));
        var p7s = Path.Combine(_dir, "form.p7s");
        var id = string.Concat(Convert.FromHexString(persona.ObjectIdHex).Select(b => $"%{b:x2}"));
        // pin-value in the URI is the throwaway hsm-sim world's test PIN; a person would be prompted by the engine.
        var (exit, output) = Run("openssl", ["cms", "-sign", "-cades", "-binary", "-nodetach", "-md", "sha256",
            "-engine", "pkcs11", "-keyform", "engine",
            "-inkey", $"pkcs11:token={persona.TokenLabel};id={id};type=private;pin-value={persona.UserPin}",
            "-signer", persona.CertificatePath, "-in", formPath, "-outform", "DER", "-out", p7s]);
        Assert.True(exit == 0, output);

        var client = new ApplicationService.ApplicationServiceClient(server.Channel);
        var response = await client.SubmitESignedAsync(new SubmitESignedRequest
        {
            Cms = ByteString.CopyFrom(await File.ReadAllBytesAsync(p7s)),
            ClientRequestId = "openssl-" + Guid.NewGuid().ToString("N"),
        }, await server.SignInAsync("manager"));
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);

        // The receipt: openssl verifies the signature against the root alone and writes out what it covers, the batch,
        // which lists the SHA-256 of this receipt's document.
        var receiptSig = Write("receipt.p7s", response.Receipt.Signature.ToByteArray());
        var batchPath = Path.Combine(_dir, "batch.json");
        (exit, output) = Run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", receiptSig,
            "-CAfile", Cards.Manifest.Pki.RootCertificate, "-purpose", "any", "-out", batchPath]);
        Assert.True(exit == 0, output);
        Assert.Contains("Verification successful", output);
        using var batch = JsonDocument.Parse(await File.ReadAllBytesAsync(batchPath));
        var hashes = batch.RootElement.GetProperty("documentSha256").EnumerateArray().Select(e => e.GetString()).ToList();
        var documentSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(response.Receipt.DocumentJson.Span));
        Assert.Contains(documentSha, hashes);

        using var receipt = JsonDocument.Parse(response.Receipt.DocumentJson.ToByteArray());
        Assert.Equal(response.Application.Id, receipt.RootElement.GetProperty("applicationId").GetString());
        var formSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Cards.Json(form)));
        Assert.Equal(formSha, receipt.RootElement.GetProperty("formSha256").GetString());
        Assert.Equal("TotalPassed", receipt.RootElement.GetProperty("verdict").GetProperty("indication").GetString());

        // A receipt edited after signing is no longer in the signed list.
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(response.Receipt.DocumentJson.ToByteArray()).Replace("\"replayed\":false", "\"replayed\":true"));
        Assert.NotEqual(response.Receipt.DocumentJson.ToByteArray(), forged);
        Assert.DoesNotContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(forged)), hashes);

        // And a batch edited after signing no longer verifies.
        var forgedBatch = Write("forged-batch.json", Encoding.UTF8.GetBytes(File.ReadAllText(batchPath).Replace(hashes[0]!, new string('0', 64))));
        (exit, _) = Run("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", receiptSig, "-content", forgedBatch,
            "-CAfile", Cards.Manifest.Pki.RootCertificate, "-purpose", "any", "-out", "/dev/null"]);
        Assert.NotEqual(0, exit);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    internal static (int Exit, string Output) Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["PKCS11_MODULE_PATH"] = Cards.Manifest.Pkcs11Module;
        psi.Environment["SOFTHSM2_CONF"] = Cards.Manifest.SoftHsm2Conf;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
