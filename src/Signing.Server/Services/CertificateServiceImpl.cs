using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Verification;
using Vf = Signing.Verification;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Services;

/// <summary>"My e-signature expires on X: what do I do?" — open to anyone; proof of possession instead of a sign-in.</summary>
public sealed class CertificateServiceImpl(Applications applications, ChallengeStore challenges, Trust trust,
    ILogger<CertificateServiceImpl> logger) : CertificateService.CertificateServiceBase
{
    public override async Task<Challenge> CreateChallenge(CreateChallengeRequest request, ServerCallContext context)
    {
        var (id, nonce, expires) = await challenges.CreateAsync(Limits.ClientAddress.Of(context.GetHttpContext()), context.CancellationToken);
        return new Challenge { ChallengeId = id, Nonce = ByteString.CopyFrom(nonce), ExpiresAt = Timestamp.FromDateTimeOffset(expires) };
    }

    public override async Task<CheckCertificateResponse> CheckCertificate(CheckCertificateRequest request, ServerCallContext context)
    {
        var check = new RequestCheck()
            .Require(!request.Certificate.IsEmpty, "certificate", "required: the certificate (DER)", "zorunlu: sertifika (DER)")
            .Require(!string.IsNullOrEmpty(request.ChallengeId), "challenge_id", "required: from CreateChallenge", "zorunlu: CreateChallenge yanıtından")
            .Require(!request.ProofOfPossession.IsEmpty, "proof_of_possession", "required: the challenge nonce signed on the token (CMS)",
                "zorunlu: kartta imzalanmış doğrulama verisi (CMS)")
            .Require(request.ExpectedTckn.Length == 0 || Tckn.IsValid(request.ExpectedTckn), "expected_tckn", "not a valid TCKN", "geçerli bir T.C. kimlik numarası değil");
        var tenant = string.IsNullOrEmpty(request.Tenant) ? applications.Tenants.Default : applications.Tenants.Find(request.Tenant);
        check.Require(tenant is not null, "tenant", "unknown directorate", "bilinmeyen il müdürlüğü");
        check.ThrowIfInvalid();
        var nonce = await challenges.RedeemAsync(request.ChallengeId, context.CancellationToken) ?? throw ChallengeUnknown();
        var now = applications.Now;
        var expected = request.ExpectedTckn.Length == 0 ? null : request.ExpectedTckn;

        var certificateBytes = request.Certificate.ToByteArray();
        var certificate = await trust.VerifyAsync(() => trust.Certificates.Validate(certificateBytes, new VerificationOptions { At = now, ExpectedTckn = expected }),
            context.CancellationToken);
        if (certificate.Signer is null)
            throw ServiceError.InvalidArgument("certificate", "not a readable X.509 certificate: " + certificate.Reason, "okunabilir bir X.509 sertifikası değil");
        RevocationGate.ThrowIfUnavailable(certificate);
        var proof = trust.Cms.VerifyProofOfPossession(request.ProofOfPossession.ToByteArray(), nonce, expected, now);
        if (proof.Signer is null || proof.Signer.CertificateSha256 != certificate.Signer.CertificateSha256)
            throw ServiceError.InvalidArgument("proof_of_possession", "not made with this certificate's key", "bu sertifikanın anahtarıyla imzalanmamış");
        if (proof.SubIndication is Vf.SubIndication.HashFailure or Vf.SubIndication.SigCryptoFailure or Vf.SubIndication.FormatFailure)
            throw ServiceError.InvalidArgument("proof_of_possession", $"does not sign the challenge ({Proto.SubIndication(proof)})",
                "doğrulama verisini imzalamıyor");

        var holder = certificate.Holder!;
        var category = Proto.Category(request.Category) ?? Domain.ApplicantCategory.Doctor;
        var response = new CheckCertificateResponse
        {
            Status = Proto.Holder(holder.Status),
            NotAfter = Timestamp.FromDateTimeOffset(holder.NotAfter),
            DaysLeft = holder.DaysLeft,
            Verdict = Proto.Verdict(certificate),
        };
        if (holder.Status is Vf.HolderStatus.Valid or Vf.HolderStatus.Expiring or Vf.HolderStatus.Expired)
        {
            Applicant? applicant = null;
            if (Tckn.TryParse(certificate.Signer.Tckn, out var tckn) && certificate.Signer.CommonName is { } cn && cn.Contains(' '))
                applicant = new Applicant(tckn, PersonName.Parse(cn), category);
            var state = RenewalWindow.Classify(holder.NotAfter, now);
            response.Steps.AddRange(Guidance.For(category, state, RenewalWindow.DaysLeft(holder.NotAfter, now), tenant!, applicant).Select(Proto.Step));
            if (certificate.Signer.Tckn is { } seen)
                await applications.Store.RecordCertificateSeenAsync(tenant!.ProvinceCode,
                    new CertificateSeen(seen, certificate.Signer.CommonName ?? "", Proto.Category(request.Category), holder.NotAfter, certificate.Signer.CertificateSha256, now),
                    context.CancellationToken);
        }
        logger.LogInformation("certificate of {Tckn} checked: {Status}, {DaysLeft} days left", Tckn.Mask(certificate.Signer.Tckn), holder.Status, holder.DaysLeft);
        return response;
    }

    public override Task<GetRenewalGuidanceResponse> GetRenewalGuidance(GetRenewalGuidanceRequest request, ServerCallContext context)
    {
        var category = Proto.Category(request.Category);
        var tenant = string.IsNullOrEmpty(request.Tenant) ? applications.Tenants.Default : applications.Tenants.Find(request.Tenant);
        new RequestCheck()
            .Require(category is not null, "category", "required: MANAGER, DOCTOR, FAMILY_PHYSICIAN or INDIVIDUAL", "zorunlu: başvuru sahibi türü")
            .Require(!request.Certificate.IsEmpty || request.NotAfter is not null, "certificate", "either the certificate or not_after is required",
                "sertifika ya da not_after gerekli")
            .Require(tenant is not null, "tenant", "unknown directorate", "bilinmeyen il müdürlüğü")
            // A Timestamp off the wire may hold any seconds and nanos; only those of a real date convert.
            .Require(request.NotAfter is null || (request.NotAfter.Seconds is >= -62_135_596_800 and <= 253_402_300_799
                && request.NotAfter.Nanos is >= 0 and < 1_000_000_000), "not_after", "not a date between years 1 and 9999", "geçerli bir tarih değil")
            .ThrowIfInvalid();
        var now = applications.Now;
        DateTimeOffset notAfter;
        if (!request.Certificate.IsEmpty)
        {
            var verdict = trust.Certificates.Validate(request.Certificate.ToByteArray(), new VerificationOptions { At = now });
            notAfter = verdict.Signer?.NotAfter ?? throw ServiceError.InvalidArgument("certificate", "not a readable X.509 certificate",
                "okunabilir bir X.509 sertifikası değil");
        }
        else
        {
            notAfter = request.NotAfter!.ToDateTimeOffset();
        }
        var state = RenewalWindow.Classify(notAfter, now);
        var days = RenewalWindow.DaysLeft(notAfter, now);
        var response = new GetRenewalGuidanceResponse { Status = Proto.Holder(state), DaysLeft = days };
        response.Steps.AddRange(Guidance.For(category!.Value, state, days, tenant!).Select(Proto.Step));
        return Task.FromResult(response);
    }

    public static ServiceError ChallengeUnknown() => new(StatusCode.FailedPrecondition, ErrorCodes.ChallengeUnknown,
        "the challenge is unknown, already used or expired; ask for a new one (CreateChallenge) and sign it",
        "doğrulama isteği bilinmiyor, kullanılmış ya da süresi dolmuş; yeni bir istek alıp imzalayın",
        [new FieldViolation("challenge_id", "unknown, used or expired", "bilinmiyor, kullanılmış ya da süresi dolmuş")],
        [new PreconditionViolation(ErrorCodes.ChallengeUnknown, "challenge", "a challenge is single-use and lives 5 minutes")]);
}
