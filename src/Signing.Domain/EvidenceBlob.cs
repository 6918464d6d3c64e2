using System.Security.Cryptography;

namespace Signing.Domain;

/// <summary>The media types of blobs in signing.evidence.</summary>
public static class EvidenceMediaTypes
{
    public const string Json = "application/json";
    public const string Cms = "application/pkcs7-signature";
    public const string EOnay = "application/vnd.esign.eonay";
    public const string Crl = "application/pkix-crl";
}

/// <summary>
/// Bytes to keep beside an event, content-addressed by the lowercase hex SHA-256 of exactly these bytes. Commands carry
/// them to the store (which writes them in the events' transaction); events carry only the hashes.
/// </summary>
public sealed record EvidenceBlob(string Sha256, string MediaType, byte[] Bytes)
{
    public static EvidenceBlob Of(string mediaType, byte[] bytes) => new(Convert.ToHexStringLower(SHA256.HashData(bytes)), mediaType, bytes);

    /// <summary>A blob whose hash is already known (e.g. a CRL hashed once when loaded); the caller vouches for it.</summary>
    public static EvidenceBlob Known(string sha256, string mediaType, byte[] bytes) => new(sha256, mediaType, bytes);
}

/// <summary>A command that brings evidence blobs for the store to keep with its events.</summary>
public interface ICarriesEvidence
{
    IReadOnlyList<EvidenceBlob> Blobs { get; }
}
