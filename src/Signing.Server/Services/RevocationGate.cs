using Grpc.Core;
using Signing.Domain;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Vf = Signing.Verification;

namespace Signing.Server.Services;

/// <summary>
/// A verdict that stopped for want of revocation data (responders and CRLs unreachable or stale) is the server's
/// problem, not the certificate's: every RPC that verifies a certificate says so alike, UNAVAILABLE with RetryInfo,
/// never a status that tells the caller their certificate is bad.
/// </summary>
internal static class RevocationGate
{
    /// <summary>How long a caller is asked to wait: the background refresh tries again well within it.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    public static void ThrowIfUnavailable(Vf.Verdict verdict)
    {
        if (verdict.SubIndication != Vf.SubIndication.TryLater)
            return;
        var text = ErrorCatalogue.Of(ErrorCodes.RevocationUnavailable);
        throw new ServiceError(StatusCode.Unavailable, ErrorCodes.RevocationUnavailable, $"{text.English} ({verdict.Reason})", text.Turkish,
            metadata: new Dictionary<string, string> { ["sub_indication"] = Proto.SubIndication(verdict) }, retryAfter: RetryAfter);
    }
}
