using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Vf = Signing.Verification;

namespace Signing.Server.Services;

/// <summary>
/// Sign-in with a smart card: the caller signs a fresh challenge with the key of its NES; the verified signature is the
/// identity. An expired NES still proves who holds the key (its holder must be able to sign in to renew it the wet way),
/// as applicant only and only if it is otherwise a valid NES; a revoked, untrusted, tampered or non-qualified one does not.
/// </summary>
public sealed class SessionServiceImpl(Applications applications, ChallengeStore challenges, Trust trust, SessionTokens tokens,
    Authenticator auth, ILogger<SessionServiceImpl> logger) : SessionService.SessionServiceBase
{
    public override async Task<SignInResponse> SignIn(SignInRequest request, ServerCallContext context)
    {
        new RequestCheck()
            .Require(!string.IsNullOrEmpty(request.ChallengeId), "challenge_id", "required: from CertificateService.CreateChallenge", "zorunlu")
            .Require(!request.ProofOfPossession.IsEmpty, "proof_of_possession", "required: the challenge nonce signed on the card (CMS)", "zorunlu")
            .ThrowIfInvalid();
        var nonce = await challenges.RedeemAsync(request.ChallengeId, context.CancellationToken) ?? throw CertificateServiceImpl.ChallengeUnknown();
        var now = applications.Now;
        var proof = request.ProofOfPossession.ToByteArray();
        var verdict = await trust.VerifyAsync(() => trust.Cms.VerifyProofOfPossession(proof, nonce, null, now), context.CancellationToken);
        RevocationGate.ThrowIfUnavailable(verdict);
        var expiredOnly = !verdict.Passed && ExpiredButOtherwiseQualified(verdict);
        if (!verdict.Passed && !expiredOnly || verdict.Signer?.Tckn is null || !Tckn.TryParse(verdict.Signer.Tckn, out var tckn))
        {
            logger.LogInformation("sign-in refused: {Indication}/{SubIndication}", verdict.Indication, verdict.SubIndication);
            throw new ServiceError(StatusCode.Unauthenticated, ErrorCodes.SignInRefused,
                $"the card's signature did not prove a usable NES ({Proto.SubIndication(verdict)}): {verdict.Reason}",
                "kartın imzası geçerli bir NES kanıtlamadı",
                metadata: new Dictionary<string, string> { ["sub_indication"] = Proto.SubIndication(verdict), ["holder_status"] = verdict.Holder?.Status.ToString() ?? "" });
        }
        var roles = new HashSet<string> { Roles.Applicant };
        var tenant = applications.Tenants.OfficerTenant(tckn);
        // An officer acts with a NES that is valid now; with an expired one they can still follow their own renewal.
        if (tenant is not null && verdict.Passed)
            roles.Add(Roles.Officer);
        var caller = new Caller(tckn.Value, verdict.Signer.CommonName ?? verdict.Signer.Subject, roles, roles.Contains(Roles.Officer) ? tenant!.ProvinceCode : null);
        var (token, expires) = tokens.Issue(caller);
        logger.LogInformation("{Tckn} signed in as {Roles}{Tenant}", tckn.Mask(), string.Join("+", roles), caller.Tenant is null ? "" : " of " + caller.Tenant);
        return new SignInResponse { AccessToken = token, ExpiresAt = Timestamp.FromDateTimeOffset(expires), Identity = Identity(caller) };
    }

    /// <summary>
    /// Whether the only thing wrong is the expiry: the validator runs every check even on an expired certificate, so the
    /// qualified-profile checks must be there and have passed (a certificate never judged as a NES is not one).
    /// </summary>
    internal static bool ExpiredButOtherwiseQualified(Vf.Verdict verdict)
    {
        return verdict.Holder?.Status == Vf.HolderStatus.Expired
            && verdict.Checks.Where(c => c.Result == Vf.CheckResult.Failed).All(c => c.Name == "x509.validity")
            && verdict.Checks.Any(c => c.Name == "cms.signature" && c.Result == Vf.CheckResult.Passed)
            && verdict.Checks.Any(c => c.Name.StartsWith("qualified.", StringComparison.Ordinal));
    }

    public override async Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        Identity(await auth.RequireAsync(context, Roles.Applicant, Roles.Officer, Roles.System));

    private static WhoAmIResponse Identity(Caller caller)
    {
        var who = new WhoAmIResponse { TcknMasked = Tckn.Mask(caller.Tckn), Name = caller.Name, Tenant = caller.Tenant ?? "" };
        who.Roles.AddRange(caller.Roles.Order());
        return who;
    }
}
