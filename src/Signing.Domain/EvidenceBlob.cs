using System.Security.Cryptography;

namespace Signing.Domain;

/// <summary>The media types of blobs in signing.evidence.</summary>
public static class EvidenceMediaTypes
{
    public const string Json = "application/json";
    public const string Cms = "application/pkcs7-signature";
    public const string EOnay = "application/vnd.esign.eonay";
    public const string Crl = "application/pkix-crl";
    /// <summary>An OCSP response exactly as the responder sent it (RFC 6960 Appendix C).</summary>
    public const string OcspResponse = "application/ocsp-response";

    /// <summary>The media type a revocation item of <paramref name="kind"/> ("crl", "ocsp") is stored under; null for another kind.</summary>
    public static string? OfRevocationKind(string kind) => kind switch
    {
        RevocationKinds.Crl => Crl,
        RevocationKinds.Ocsp => OcspResponse,
        _ => null,
    };
}

/// <summary>The kinds of revocation data an event's evidence names (<see cref="RevocationEvidence.Kind"/>).</summary>
public static class RevocationKinds
{
    public const string Crl = "crl";
    public const string Ocsp = "ocsp";
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
