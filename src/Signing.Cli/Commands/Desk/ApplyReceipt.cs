using System.Text.Json.Nodes;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign apply --receipt-out`: where the signed receipt goes, checked before the submission, and saving it after.</summary>
internal static class ApplyReceipt
{
    /// <summary>
    /// Where --receipt-out puts the receipt's two parts, checked before anything is sent: the document as named and the
    /// CMS beside it with the extension .p7s, where `esign cms verify-receipt` looks for it.
    /// </summary>
    public static (string Document, string Signature)? Files(FileInfo? target, FileInfo? formOut)
    {
        if (target is null)
            return null;
        if (formOut is not null)
            throw new UsageException("--receipt-out saves the receipt of a submission; --form-out submits nothing");
        if (target.Directory is { Exists: false })
            throw new UsageException($"--receipt-out: no such directory: {target.DirectoryName}");
        if (Directory.Exists(target.FullName))
            throw new UsageException($"--receipt-out: {target.FullName} is a directory; name the file, e.g. receipt.json");
        var signature = Path.ChangeExtension(target.FullName, ".p7s");
        if (signature == target.FullName)
            throw new UsageException("--receipt-out: name the document, e.g. receipt.json; its signature goes beside it as .p7s");
        return (target.FullName, signature);
    }

    /// <summary>
    /// The receipt's two parts as received, to the files <see cref="Files"/> named: the document byte for byte (its
    /// SHA-256 is what the signed batch lists) and the CMS.
    /// </summary>
    public static (string Document, string Signature)? Save(DeskContext ctx, SignedReceipt? receipt, (string Document, string Signature) files)
    {
        if (receipt is null || receipt.DocumentJson.IsEmpty || receipt.Signature.IsEmpty)
        {
            // The application is in: say so on stderr rather than fail the command.
            Console.Error.WriteLine("esign: " + ctx.T("apply.noReceipt"));
            return null;
        }
        try
        {
            File.WriteAllBytes(files.Document, receipt.DocumentJson.ToByteArray());
            File.WriteAllBytes(files.Signature, receipt.Signature.ToByteArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As above: the submission succeeded, so its answer is still printed rather than replaced by an error.
            Console.Error.WriteLine($"esign: {ctx.T("apply.receiptNotSaved")}: {e.Message}");
            return null;
        }
        return files;
    }

    /// <summary>
    /// SHA-256 of the certificate that signed <paramref name="receipt"/>, for the person to compare with the fingerprint
    /// the directorate publishes: taken from the receipt itself it proves nothing until compared.
    /// </summary>
    public static string SignerFingerprint(SignedReceipt? receipt) =>
        receipt is null || receipt.Signature.IsEmpty ? "?"
            : new Signing.Verification.CmsVerifier(new Signing.Verification.TrustConfiguration())
                .Verify(receipt.Signature.ToByteArray(), null, new Signing.Verification.VerificationOptions { Profile = Signing.Verification.ValidationProfile.None })
                .Signer?.CertificateSha256 ?? "?";

    /// <summary>The receipt for scripts: its document as JSON (when it is JSON) and the signature's size.</summary>
    public static JsonNode Node(SignedReceipt? receipt)
    {
        var node = new JsonObject();
        if (receipt is null)
            return node;
        try
        {
            node["document"] = receipt.DocumentJson.IsEmpty ? null : JsonNode.Parse(receipt.DocumentJson.ToStringUtf8());
        }
        catch (System.Text.Json.JsonException)
        {
            node["document"] = receipt.DocumentJson.ToBase64();
        }
        node["signatureBytes"] = receipt.Signature.Length;
        return node;
    }
}
