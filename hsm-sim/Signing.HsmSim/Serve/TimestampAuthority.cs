using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;

namespace Signing.HsmSim.Serve;

/// <summary>
/// An RFC 3161 TSA: SHA-256 signatures (ESS signing-certificate-v2), the world's test policy, the request's nonce echoed,
/// the TSA certificate included when the request asks for it (certReq). Imprints of SHA-256, -384 and -512 only.
/// </summary>
public sealed class TimestampAuthority(X509Certificate certificate, AsymmetricKeyParameter key, string policyOid)
{
    private static readonly string[] AcceptedImprints =
        [NistObjectIdentifiers.IdSha256.Id, NistObjectIdentifiers.IdSha384.Id, NistObjectIdentifiers.IdSha512.Id];

    private readonly object _gate = new();
    private long _serial = DateTime.UtcNow.Ticks;

    public sealed record Answer(byte[] Body, string Summary);

    public Answer Respond(byte[] requestDer, DateTime now)
    {
        var tokens = new TimeStampTokenGenerator(key, certificate, TspAlgorithms.Sha256, policyOid);
        tokens.SetCertificates(CollectionUtilities.CreateStore(new[] { certificate }));
        var responses = new TimeStampResponseGenerator(tokens, AcceptedImprints);
        TimeStampRequest request;
        try
        {
            request = new TimeStampRequest(requestDer);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or TspException)
        {
            return new Answer(responses.GenerateFailResponse(PkiStatus.Rejection, PkiFailureInfo.BadDataFormat, "not a TimeStampReq").GetEncoded(), "malformed");
        }
        long serial;
        lock (_gate)
            serial = ++_serial;
        var response = responses.Generate(request, BigInteger.ValueOf(serial), now);
        return new Answer(response.GetEncoded(),
            response.Status == 0 || response.Status == 1 ? $"granted #{serial}{(request.CertReq ? " certReq" : "")}" : $"rejected {response.GetStatusString()}");
    }
}
