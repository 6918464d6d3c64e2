using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>
/// Judges a fetched OCSP response for (response, certificate, issuer): null accepts it, otherwise the reason to refuse.
/// The engine's judgement (responder signature and authorisation, certID, freshness) is plugged in here.
/// </summary>
public delegate string? OcspJudge(ParsedOcspResponse response, ParsedCertificate certificate, ParsedCertificate issuer);

/// <summary>
/// An RFC 6960 client: one request per certificate (CertID with SHA-1, as responders universally index), an optional
/// 16-byte nonce, POST to the responder, and the checks that belong to the exchange itself (HTTP, content type,
/// responseStatus, nonce). What the response says about the certificate is judged by <see cref="OcspJudge"/>.
/// </summary>
public sealed class OcspClient(HttpClient http, RevocationFetchOptions options, OcspJudge? judge = null)
{
    public const string RequestMediaType = "application/ocsp-request";
    public const string ResponseMediaType = "application/ocsp-response";
    private static readonly string[] ResponseTypes = [ResponseMediaType];
    private static readonly DerObjectIdentifier NonceOid = OcspObjectIdentifiers.PkixOcspNonce;

    /// <summary>The responder asked for <paramref name="certificate"/>: per-issuer override, global override, then the AIA's id-ad-ocsp URL.</summary>
    public string? ResponderUrl(ParsedCertificate certificate, ParsedCertificate issuer)
    {
        if (options.OcspUrlByIssuer.TryGetValue(issuer.Sha256, out var byIssuer))
            return byIssuer;
        return options.OcspUrlOverride ?? AiaOcspUrls(certificate).FirstOrDefault();
    }

    /// <summary>The http(s) id-ad-ocsp URLs of a certificate's authorityInfoAccess, in order.</summary>
    public static IReadOnlyList<string> AiaOcspUrls(ParsedCertificate certificate)
    {
        var value = certificate.Certificate.GetExtensionValue(X509Extensions.AuthorityInfoAccess);
        if (value is null)
            return [];
        var aia = AuthorityInformationAccess.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
        return aia.GetAccessDescriptions()
            .Where(d => d.AccessMethod.Equals(AccessDescription.IdADOcsp) && d.AccessLocation.TagNo == GeneralName.UniformResourceIdentifier)
            .Select(d => DerIA5String.GetInstance(d.AccessLocation.Name).GetString())
            .Where(RevocationFetchOptions.IsHttpUrl)
            .ToList();
    }

    /// <summary>The DER of an OCSPRequest for one certificate, with <paramref name="nonce"/> as id-pkix-ocsp-nonce when given.</summary>
    public static byte[] BuildRequest(ParsedCertificate certificate, ParsedCertificate issuer, byte[]? nonce)
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(new AlgorithmIdentifier(Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1, DerNull.Instance), issuer.Certificate, certificate.Serial));
        if (nonce is not null)
        {
            var extensions = new X509ExtensionsGenerator();
            extensions.AddExtension(NonceOid, false, new DerOctetString(nonce));
            generator.SetRequestExtensions(extensions.Generate());
        }
        return generator.Generate().GetEncoded();
    }

    /// <summary>
    /// Asks the responder about <paramref name="certificate"/>. Returns the parsed response, or throws
    /// <see cref="FetchException"/> naming why it was refused.
    /// </summary>
    /// <param name="timeout">Limit for this exchange; <see cref="RevocationFetchOptions.HttpTimeout"/> when null.</param>
    public async Task<ParsedOcspResponse> FetchAsync(ParsedCertificate certificate, ParsedCertificate issuer, CancellationToken ct, TimeSpan? timeout = null)
    {
        var url = ResponderUrl(certificate, issuer)
                  ?? throw new FetchException(FetchFailure.NoUrl, "(none)", $"no OCSP responder for {certificate.Subject} (no AIA id-ad-ocsp URL, no override)");
        var nonce = options.OcspNonce ? RandomNumberGenerator.GetBytes(16) : null;
        var body = await HttpFetch.SendAsync(http, url, BuildRequest(certificate, issuer, nonce), RequestMediaType, ResponseTypes,
            options.MaxOcspResponseBytes, timeout ?? options.HttpTimeout, ct);
        ParsedOcspResponse response;
        try
        {
            response = ParsedOcspResponse.From(body);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidCastException)
        {
            throw new FetchException(FetchFailure.Malformed, url, "the body is not an OCSP response: " + e.Message, e);
        }
        if (response.ResponseStatus != 0)
            throw new FetchException(FetchFailure.ResponderStatus, url, $"responseStatus {StatusName(response.ResponseStatus)} ({response.ResponseStatus})");
        if (!response.IsSuccessful)
            throw new FetchException(FetchFailure.Malformed, url, "a successful responseStatus without a basic response");
        if (nonce is not null)
        {
            if (response.Nonce is null)
            {
                if (!options.OcspAcceptMissingNonce)
                    throw new FetchException(FetchFailure.NonceMissing, url, "the response carries no nonce though the request sent one");
            }
            else if (!CryptographicOperations.FixedTimeEquals(response.Nonce, nonce))
            {
                throw new FetchException(FetchFailure.NonceMismatch, url, "the response's nonce is not the one the request sent");
            }
        }
        if (judge?.Invoke(response, certificate, issuer) is { } refusal)
            throw new FetchException(FetchFailure.Refused, url, refusal);
        return response;
    }

    public static string StatusName(int status) => status switch
    {
        0 => "successful",
        1 => "malformedRequest",
        2 => "internalError",
        3 => "tryLater",
        5 => "sigRequired",
        6 => "unauthorized",
        _ => "unknown",
    };

    /// <summary>The validity window of the answer about <paramref name="certificate"/>: its SingleResponse's thisUpdate and nextUpdate.</summary>
    public static (DateTime ThisUpdate, DateTime? NextUpdate) Window(ParsedOcspResponse response, ParsedCertificate certificate)
    {
        var single = response.Responses.FirstOrDefault(r => r.Serial.Equals(certificate.Serial)) ?? response.Responses.FirstOrDefault();
        return single is null ? (response.ProducedAt ?? DateTime.MinValue, null) : (single.ThisUpdate, single.NextUpdate);
    }
}
