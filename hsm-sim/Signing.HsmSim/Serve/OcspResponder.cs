using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Ocsp;

namespace Signing.HsmSim.Serve;

/// <summary>What one CA of the world issued: serial → revocation time (null while good).</summary>
public sealed record IssuedBy(string Name, TestCa Ca, IReadOnlyDictionary<BigInteger, DateTime?> Issued);

/// <summary>
/// An RFC 6960 responder for the world's CAs, each answering with its own key (a CA-signed response, no delegation):
/// good, revoked (time and reason as on the CRL) or unknown for a serial the CA never issued; the request's nonce echoed;
/// thisUpdate now, nextUpdate now + validity.
/// </summary>
public sealed class OcspResponder(IReadOnlyList<IssuedBy> issuers, TimeSpan validity)
{
    public sealed record Answer(byte[] Body, string Summary);

    public Answer Respond(byte[] requestDer, DateTime now)
    {
        OcspReq request;
        Req[] requests;
        try
        {
            request = new OcspReq(requestDer);
            requests = request.GetRequestList();
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or Asn1Exception or OcspException)
        {
            return Failure(OcspRespStatus.MalformedRequest, "malformed");
        }
        if (requests.Length == 0)
            return Failure(OcspRespStatus.MalformedRequest, "no request");
        // One signer per response: every CertID must name the same issuer, one of this world's CAs.
        var issuer = issuers.FirstOrDefault(i => requests[0].GetCertID().MatchesIssuer(i.Ca.Certificate));
        if (issuer is null || requests.Any(r => !r.GetCertID().MatchesIssuer(issuer.Ca.Certificate)))
            return Failure(OcspRespStatus.Unauthorized, "unauthorized");

        var thisUpdate = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var generator = new BasicOcspRespGenerator(new RespID(issuer.Ca.Certificate.SubjectDN));
        var statuses = new List<string>();
        foreach (var r in requests)
        {
            var id = r.GetCertID();
            CertificateStatus? status = issuer.Issued.TryGetValue(id.SerialNumber, out var revokedAt)
                ? revokedAt is { } at ? new RevokedStatus(at, TestPki.RevokedReason) : CertificateStatus.Good
                : new UnknownStatus();
            statuses.Add($"{id.SerialNumber.ToString(16)}={(status is null ? "good" : status is RevokedStatus ? "revoked" : "unknown")}");
            generator.AddResponse(id, status, thisUpdate, thisUpdate + validity, null);
        }
        var nonce = request.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce);
        if (nonce is not null)
        {
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new(false, nonce),
            }));
        }
        var basic = generator.Generate(TestPki.Signer(issuer.Ca.PrivateKey), [issuer.Ca.Certificate], thisUpdate);
        var body = new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
        return new Answer(body, $"{issuer.Name} {string.Join(' ', statuses)}{(nonce is null ? "" : " nonce")}");
    }

    private static Answer Failure(int status, string summary) =>
        new(new OcspResponse(new OcspResponseStatus(status), null).GetEncoded(), summary);
}
