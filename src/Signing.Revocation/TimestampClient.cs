using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Tsp;

namespace Signing.Revocation;

/// <summary>A granted timestamp: the token (a CMS SignedData, DER) and what the TSA stated in it.</summary>
public sealed record TimestampToken(byte[] Der, DateTime GenTime, BigInteger SerialNumber, string Policy, string TsaUrl);

/// <summary>
/// An RFC 3161 client: a SHA-256 imprint with a random nonce and certReq, POSTed as application/timestamp-query; the
/// reply must be granted and answer this very request (nonce, imprint, algorithm). Whether the TSA is trusted is the
/// engine's question, asked of the token afterwards.
/// </summary>
public sealed class TimestampClient(HttpClient http, RevocationFetchOptions options)
{
    public const string RequestMediaType = "application/timestamp-query";
    public const string ResponseMediaType = "application/timestamp-reply";
    private static readonly string[] ResponseTypes = [ResponseMediaType];

    /// <summary>Timestamps <paramref name="data"/> (hashed here with SHA-256).</summary>
    public Task<TimestampToken> StampAsync(byte[] data, CancellationToken ct) => StampDigestAsync(SHA256.HashData(data), ct);

    /// <summary>Timestamps a SHA-256 digest (for CAdES-T: the hash of the signature value).</summary>
    public async Task<TimestampToken> StampDigestAsync(byte[] sha256, CancellationToken ct)
    {
        if (sha256.Length != 32)
            throw new ArgumentException("a SHA-256 digest is 32 bytes", nameof(sha256));
        var url = options.TsaUrl ?? throw new FetchException(FetchFailure.NoUrl, "(none)", "no timestamp authority configured (TsaUrl)");
        var generator = new TimeStampRequestGenerator();
        generator.SetCertReq(true);
        if (options.TsaPolicyOid is not null)
            generator.SetReqPolicy(new Org.BouncyCastle.Asn1.DerObjectIdentifier(options.TsaPolicyOid));
        var nonce = new BigInteger(1, RandomNumberGenerator.GetBytes(16));
        var request = generator.Generate(TspAlgorithms.Sha256, sha256, nonce);
        var body = await HttpFetch.SendAsync(http, url, request.GetEncoded(), RequestMediaType, ResponseTypes,
            options.MaxTsaResponseBytes, options.TsaTimeout, ct);
        TimeStampResponse response;
        try
        {
            response = new TimeStampResponse(body);
        }
        catch (Exception e) when (e is TspException or IOException or ArgumentException or InvalidCastException)
        {
            throw new FetchException(FetchFailure.Malformed, url, "the body is not a timestamp response: " + e.Message, e);
        }
        // granted (0) or grantedWithMods (1); anything else carries no token.
        if (response.Status is not (0 or 1) || response.TimeStampToken is null)
            throw new FetchException(FetchFailure.TimestampRejected, url,
                $"status {response.Status}{(response.GetStatusString() is { } text ? " (" + text + ")" : "")}, no token granted");
        try
        {
            response.Validate(request);
        }
        catch (TspException e)
        {
            throw new FetchException(FetchFailure.TimestampRejected, url, "the reply does not answer this request: " + e.Message, e);
        }
        var token = response.TimeStampToken;
        return new TimestampToken(token.GetEncoded(), token.TimeStampInfo.GenTime.ToUniversalTime(), token.TimeStampInfo.SerialNumber,
            token.TimeStampInfo.Policy, url);
    }
}
