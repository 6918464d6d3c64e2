namespace Signing.Verification;

/// <summary>
/// Signature acceptance: whether the signature's digest algorithm is acceptable for a new signature and whether its
/// claimed signing time is plausible. (The signature algorithm and key size are judged with the signature value, by
/// <see cref="CryptographicVerification"/>, whose weak/unsupported answers are reported as "crypto.algorithms".)
/// </summary>
internal static class SignatureAcceptance
{
    /// <summary>Null when the digest algorithm is known and accepted (its .NET name in <paramref name="digestName"/>).</summary>
    public static CmsFailure? CheckDigestAlgorithm(SignedDataEnvelope env, VerificationOptions options, out string digestName)
    {
        var digestOid = env.DigestAlgorithm.Algorithm.Id;
        digestName = SignatureVerifier.DigestNames.GetValueOrDefault(digestOid) ?? "";
        if (digestName.Length == 0)
            return Constraints($"unsupported digest algorithm {digestOid}");
        if (digestName == "MD5" || (digestName == "SHA1" && !options.SignatureAlgorithms.AllowSha1))
            return Constraints($"{digestName} is not accepted for new signatures");
        return null;
    }

    /// <summary>Null unless the claimed signing time lies beyond the validation time plus the allowed skew.</summary>
    public static CmsFailure? CheckSigningTime(DateTimeOffset? signingTime, DateTimeOffset time, TimeSpan skew) =>
        signingTime is { } claimed && claimed > time + skew
            ? new CmsFailure(SubIndication.SigConstraintsFailure, "cades.signing-time", $"the claimed signing time {claimed:u} is in the future")
            : null;

    internal static CmsFailure Constraints(string reason) =>
        new(SubIndication.CryptoConstraintsFailure, "crypto.algorithms", reason, Indication.Indeterminate);
}
