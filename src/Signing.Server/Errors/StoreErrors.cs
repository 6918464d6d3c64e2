using Grpc.Core;
using Signing.Domain;
using Signing.Store;
using Signing.Tokens;

namespace Signing.Server.Errors;

/// <summary>
/// Refusals of the decider and the store as gRPC statuses: bad fields → INVALID_ARGUMENT with the field,
/// rules → FAILED_PRECONDITION, who-may-do-what → PERMISSION_DENIED, versions → ABORTED, duplicates → ALREADY_EXISTS.
/// The ErrorInfo reason is the domain's stable code (e.g. confirmation.family_physician_must_esign).
/// </summary>
public static class StoreErrors
{
    // Domain codes that are really about one request field.
    private static readonly Dictionary<string, string> FieldOf = new()
    {
        [ErrorCodes.MissingContact] = "form.email",
        [ErrorCodes.MissingAddress] = "form.delivery_address",
        [ErrorCodes.MissingRequestId] = "client_request_id",
        [ErrorCodes.ReasonNotRenewal] = "form.reason",
        [ErrorCodes.KindNotNes] = "form.certificate_kind",
        [ErrorCodes.TermNotThreeYears] = "form.term_years",
        [ErrorCodes.WrongCopyCount] = "copies",
        [ErrorCodes.ReceiptAmount] = "amount",
        [ErrorCodes.ReceiptIban] = "iban",
        [ErrorCodes.ReceiptGivenName] = "description",
        [ErrorCodes.ReceiptSurname] = "description",
        [ErrorCodes.ReceiptTckn] = "description",
        [ErrorCodes.ReceiptPhrase] = "description",
        [ErrorCodes.ReceiptFileHash] = "scanned_file",
        [ErrorCodes.RejectionReasonRequired] = "reason",
        [ErrorCodes.ReturnReasonRequired] = "detail",
        [ErrorCodes.ConfirmedByRequired] = "detail",
    };

    private static readonly HashSet<string> Forbidden =
    [
        ErrorCodes.NotAnOfficer, ErrorCodes.WrongTenant, ErrorCodes.SelfDecision, ErrorCodes.NotTheApplicant,
    ];

    public static ServiceError ToServiceError(StoreError failure, string subject)
    {
        var error = failure.Error;
        var tr = Turkish(error.Code);
        var metadata = new Dictionary<string, string> { ["code"] = error.Code };
        switch (failure.Kind)
        {
            case FailureKind.Concurrency:
                return new ServiceError(StatusCode.Aborted, error.Code, error.Message,
                    "başvuru bu arada değişti; yeniden yükleyip tekrar deneyin", metadata: metadata);
            case FailureKind.NotFound:
                return new ServiceError(StatusCode.NotFound, error.Code, error.Message, "böyle bir başvuru yok", metadata: metadata);
            case FailureKind.Conflict:
                if (failure.ExistingApplicationId is { } existing)
                    metadata["existing_application_id"] = existing.ToString();
                return new ServiceError(StatusCode.AlreadyExists, error.Code, error.Message,
                    "bu kişinin bu müdürlükte açık bir yenileme başvurusu zaten var", metadata: metadata);
        }
        return FromDomain(error, subject, tr, metadata);
    }

    public static ServiceError FromDomain(DomainError error, string subject) =>
        FromDomain(error, subject, Turkish(error.Code), new Dictionary<string, string> { ["code"] = error.Code });

    private static ServiceError FromDomain(DomainError error, string subject, string tr, Dictionary<string, string> metadata)
    {
        if (FieldOf.TryGetValue(error.Code, out var field))
            return new ServiceError(StatusCode.InvalidArgument, error.Code, error.Message, tr,
                [new FieldViolation(field, error.Message, tr)], metadata: metadata);
        if (Forbidden.Contains(error.Code))
            return new ServiceError(StatusCode.PermissionDenied, error.Code, error.Message, tr, metadata: metadata);
        return new ServiceError(StatusCode.FailedPrecondition, error.Code, error.Message, tr,
            preconditions: [new PreconditionViolation(error.Code, subject, error.Message)], metadata: metadata);
    }

    /// <summary>The Turkish message per stable code (short; the English message carries the specifics).</summary>
    public static string Turkish(string code) => code switch
    {
        ErrorCodes.ReasonNotRenewal => "yalnızca YENİLEME başvuruları kabul edilir",
        ErrorCodes.KindNotNes => "yalnızca NES yenilemeleri kabul edilir",
        ErrorCodes.TermNotThreeYears => "NES 3 yıllık verilir",
        ErrorCodes.MissingContact => "e-posta adresi ya da telefon numarası gerekli",
        ErrorCodes.MissingAddress => "kargo teslimatı için adres gerekli",
        ErrorCodes.MissingRequestId => "istek kimliği (client_request_id) gerekli",
        ErrorCodes.SignatureNotPassed => "formun e-imzası doğrulanamadı",
        ErrorCodes.SignerNotApplicant => "form başvuru sahibi tarafından imzalanmamış",
        ErrorCodes.SigningCertificateExpired => "imzalayan sertifikanın süresi dolmuş: e-Onay ya da ıslak imzalı form kullanın",
        ErrorCodes.EOnayNotConfirmed => "e-Onay doğrulanamadı",
        ErrorCodes.EOnayNotApplicant => "e-Onay başvuru sahibine ait değil",
        ErrorCodes.FamilyPhysicianMustESign => "NES'i geçerli olan aile hekimi formu NES ile e-imzalamalıdır",
        ErrorCodes.NotAwaitingPaper => "başvuru ıslak imzalı form beklemiyor",
        ErrorCodes.WrongCopyCount => "formun 2 nüshası teslim edilmelidir",
        ErrorCodes.ReceiptNotRequired => "bu başvuru için dekont gerekmez",
        ErrorCodes.ReceiptNotAccepted => "dekont şu anda eklenemez",
        ErrorCodes.ReceiptAmount => "dekont tutarı ücretle eşleşmiyor",
        ErrorCodes.ReceiptIban => "dekonttaki IBAN müdürlüğün hesabı değil",
        ErrorCodes.ReceiptGivenName => "dekont açıklamasında ad yok",
        ErrorCodes.ReceiptSurname => "dekont açıklamasında soyad yok",
        ErrorCodes.ReceiptTckn => "dekont açıklamasında T.C. kimlik numarası yok",
        ErrorCodes.ReceiptPhrase => "dekont açıklamasında \"NES 3 YILLIK BAŞVURUSU\" ifadesi yok",
        ErrorCodes.ReceiptFileHash => "dekont dosyası okunamadı",
        ErrorCodes.NotApprovable => "başvuru şu anda onaylanamaz (eksikleri var)",
        ErrorCodes.NotOnQueue => "başvuru onay kuyruğunda değil",
        ErrorCodes.WrongTenant => "başvuru başka bir il müdürlüğüne ait",
        ErrorCodes.NotAnOfficer => "bu müdürlüğün e-imza yetkilisi değilsiniz",
        ErrorCodes.SelfDecision => "kendi başvurunuz hakkında karar veremezsiniz",
        ErrorCodes.SameOfficerTwice => "ikinci onay başka bir yetkiliden gelmelidir",
        ErrorCodes.OfficerSignatureInvalid => "yetkilinin karar imzası doğrulanamadı",
        ErrorCodes.RejectionReasonRequired => "ret gerekçesi gerekli",
        ErrorCodes.NotWithdrawable => "başvuru şu anda geri çekilemez",
        ErrorCodes.NotTheApplicant => "yalnızca başvuru sahibi geri çekebilir",
        ErrorCodes.InvalidTransition => "bu adım başvurunun şu anki durumunda yapılamaz",
        ErrorCodes.ReturnReasonRequired => "iade nedeni gerekli",
        ErrorCodes.ConfirmedByRequired => "adresi kimin teyit ettiği gerekli",
        ErrorCodes.PriceNotShown => "ücret henüz gösterilmedi",
        ErrorCodes.PaymentAmount => "ödenen tutar gösterilen ücretle eşleşmiyor",
        ErrorCodes.AlreadySubmitted => "başvuru zaten yapılmış",
        ErrorCodes.NotSubmitted => "böyle bir başvuru yok",
        _ => "istek reddedildi",
    };
}

/// <summary>The server's own token (receipt key) failing is the server's problem, not the caller's: UNAVAILABLE, retry later.</summary>
public sealed class TokenErrorTranslator : IErrorTranslator
{
    public ServiceError? Translate(Exception exception) => exception is TokenException e
        ? new ServiceError(StatusCode.Unavailable, "SERVER_KEY_UNAVAILABLE",
            "the directorate's signing key is not available right now; try again later (" + e.Kind + ")",
            "müdürlüğün imza anahtarına şu anda erişilemiyor; daha sonra tekrar deneyin")
        : null;
}

/// <summary>Database unreachable or failing over: UNAVAILABLE (retryable), never INTERNAL.</summary>
public sealed class DatabaseErrorTranslator : IErrorTranslator
{
    public ServiceError? Translate(Exception exception) =>
        exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException || exception.InnerException is Npgsql.NpgsqlException { IsTransient: true }
            ? new ServiceError(StatusCode.Unavailable, "DATABASE_UNAVAILABLE", "the database is not reachable right now; try again shortly",
                "veritabanına şu anda ulaşılamıyor; biraz sonra tekrar deneyin")
            : null;
}
