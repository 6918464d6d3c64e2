using Signing.Domain;
using Vf = Signing.Verification;

namespace Signing.Server.Mapping;

/// <summary>What the domain judges of a verification verdict: the one translation from the engine's verdict to facts.</summary>
public static class VerdictFacts
{
    /// <summary>A certificate nothing is known of reads as long expired, so the rules never take it for a valid NES.</summary>
    public static readonly DateTimeOffset UnknownNotAfter = DateTimeOffset.UnixEpoch;

    public static readonly CertificateFacts NoCertificate = new(UnknownNotAfter, null);

    public static SignatureFacts Signature(Vf.Verdict verdict) => new(
        Proto.Indication(verdict.Indication),
        verdict.Signer?.Tckn,
        verdict.Signer?.NotAfter ?? UnknownNotAfter,
        verdict.Signer?.CertificateSha256 ?? "",
        Proto.SubIndication(verdict) is { Length: > 0 } sub ? sub : null,
        verdict.SigningTime);

    public static CertificateFacts Certificate(Vf.Verdict verdict) =>
        verdict.Signer is { } signer ? new CertificateFacts(signer.NotAfter, signer.CertificateSha256) : NoCertificate;
}
