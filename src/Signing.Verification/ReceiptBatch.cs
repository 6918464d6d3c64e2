using System.Security.Cryptography;
using System.Text.Json;

namespace Signing.Verification;

/// <summary>
/// What the directorate's key signs for receipts issued together: the SHA-256 of each receipt document, nothing else.
/// An applicant proves their receipt with their own document, the signature, and its hash in this list; the list tells
/// them nothing about the other applicants (a hash of a document holding a random application id). The server writes
/// it, <see cref="ReceiptVerifier"/> reads it: one definition of the format for both.
/// </summary>
public static class ReceiptBatch
{
    public const string Type = "esign.receipt-batch";

    /// <summary>Fixed field order, UTF-8, no whitespace, lower-case hex: the bytes the signature covers.</summary>
    public static byte[] ToJson(IEnumerable<byte[]> documents, DateTimeOffset issuedAt)
    {
        using var buffer = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", Type);
            w.WriteNumber("version", 1);
            w.WriteString("issuedAt", issuedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            w.WriteStartArray("documentSha256");
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
            foreach (var document in documents)
            {
                SHA256.HashData(document, hash);
                Convert.TryToHexStringLower(hash, hex, out _);
                w.WriteStringValue(hex);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The hashes a batch lists. Throws JsonException if it is not a receipt batch (type, version 1, an array of hashes).</summary>
    public static IReadOnlyList<string> DocumentHashes(ReadOnlySpan<byte> batchJson)
    {
        var reader = new Utf8JsonReader(batchJson);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || type.GetString() != Type || !root.TryGetProperty("documentSha256", out var list) || list.ValueKind != JsonValueKind.Array)
            throw new JsonException($"not an {Type} document");
        if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1)
            throw new JsonException($"an {Type} of a version this tool does not know (it reads version 1)");
        return [.. list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new JsonException("documentSha256 holds something other than a hash"))];
    }
}
