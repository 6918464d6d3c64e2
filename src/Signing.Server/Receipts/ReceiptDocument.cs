using System.Text.Json;
using Signing.Contracts.V1;

namespace Signing.Server.Receipts;

/// <summary>What the applicant gets back for an accepted submission: a small JSON document, signed by the directorate.</summary>
public sealed record ReceiptDocument(
    string ApplicationId,
    string ApplicationCode,
    string Tenant,
    string Directorate,
    string FormSha256,
    string Method,
    DateTimeOffset SubmittedAt,
    DateTimeOffset IssuedAt,
    bool Replayed,
    Verdict? Verdict)
{
    public const string Type = "esign.submission-receipt";

    /// <summary>Fixed field order, UTF-8, no whitespace: the bytes the signature covers.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", Type);
            w.WriteNumber("version", 1);
            w.WriteString("applicationId", ApplicationId);
            w.WriteString("applicationCode", ApplicationCode);
            w.WriteString("tenant", Tenant);
            w.WriteString("directorate", Directorate);
            w.WriteString("formSha256", FormSha256);
            w.WriteString("method", Method);
            w.WriteString("submittedAt", SubmittedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            w.WriteString("issuedAt", IssuedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            w.WriteBoolean("replayed", Replayed);
            if (Verdict is not null)
            {
                w.WriteStartObject("verdict");
                w.WriteString("indication", Verdict.Indication.ToString());
                w.WriteString("subIndication", Verdict.SubIndication);
                w.WriteString("signerTcknMasked", Verdict.SignerTcknMasked);
                w.WriteString("signerCertificateSha256", Verdict.SignerCertificateSha256);
                w.WriteString("policyId", Verdict.PolicyId);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Signed by the directorate's key, in a batch with the receipts issued at the same moment (<see cref="ReceiptSigner"/>).</summary>
    public Task<SignedReceipt> SignAsync(ReceiptSigner signer, CancellationToken ct = default) => signer.IssueAsync(ToJson(), ct);
}
