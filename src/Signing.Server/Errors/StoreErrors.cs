using Grpc.Core;
using Signing.Domain;
using Signing.Store;
using Signing.Tokens;

namespace Signing.Server.Errors;

/// <summary>
/// Refusals of the decider and the store as gRPC statuses: bad fields → INVALID_ARGUMENT with the field,
/// rules → FAILED_PRECONDITION, who-may-do-what → PERMISSION_DENIED, versions → ABORTED, duplicates → ALREADY_EXISTS.
/// The ErrorInfo reason is the domain's stable code (e.g. confirmation.family_physician_must_esign), its Turkish text from the catalogue.
/// </summary>
public static class StoreErrors
{
    // Domain codes that are really about one request field.
    private static readonly Dictionary<string, string> FieldOf = new()
    {
        [ErrorCodes.MissingContact] = "form.email",
        [ErrorCodes.CategoryNotRoster] = "form.category",
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
        [ErrorCodes.ReceiptPaidInFuture] = "paid_on",
        [ErrorCodes.ReceiptPaidTooEarly] = "paid_on",
    };

    private static readonly HashSet<string> Forbidden =
    [
        ErrorCodes.NotAnOfficer, ErrorCodes.WrongTenant, ErrorCodes.SelfDecision, ErrorCodes.NotTheApplicant,
    ];

    public static ServiceError ToServiceError(StoreError failure, string subject)
    {
        var error = failure.Error;
        var tr = ErrorCatalogue.Of(error.Code).Turkish;
        var metadata = new Dictionary<string, string> { ["code"] = error.Code };
        switch (failure.Kind)
        {
            case FailureKind.Concurrency:
                return new ServiceError(StatusCode.Aborted, error.Code, error.Message, tr, metadata: metadata);
            case FailureKind.NotFound:
                return new ServiceError(StatusCode.NotFound, error.Code, error.Message, tr, metadata: metadata);
            case FailureKind.Conflict:
                if (failure.ExistingApplicationId is { } existing)
                    metadata["existing_application_id"] = existing.ToString();
                return new ServiceError(StatusCode.AlreadyExists, error.Code, error.Message, tr, metadata: metadata);
        }
        return FromDomain(error, subject, tr, metadata);
    }

    public static ServiceError FromDomain(DomainError error, string subject) =>
        FromDomain(error, subject, ErrorCatalogue.Of(error.Code).Turkish, new Dictionary<string, string> { ["code"] = error.Code });

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
}

/// <summary>The server's own token (receipt key) failing is the server's problem, not the caller's: UNAVAILABLE, retry later.</summary>
public sealed class TokenErrorTranslator : IErrorTranslator
{
    public ServiceError? Translate(Exception exception) => exception is TokenException e
        ? new ServiceError(StatusCode.Unavailable, ErrorCodes.ServerKeyUnavailable,
            ErrorCatalogue.Of(ErrorCodes.ServerKeyUnavailable).English + " (" + e.Kind + ")", ErrorCatalogue.Of(ErrorCodes.ServerKeyUnavailable).Turkish)
        : null;
}

/// <summary>Database unreachable or failing over: UNAVAILABLE (retryable), never INTERNAL.</summary>
public sealed class DatabaseErrorTranslator : IErrorTranslator
{
    public ServiceError? Translate(Exception exception) =>
        exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException || exception.InnerException is Npgsql.NpgsqlException { IsTransient: true }
            ? ServiceError.FromCatalogue(StatusCode.Unavailable, ErrorCodes.DatabaseUnavailable)
            : null;
}

/// <summary>
/// Load shed and unknown outcomes of the store: both UNAVAILABLE, the code gRPC clients and load balancers treat as
/// "retry, perhaps elsewhere" (RESOURCE_EXHAUSTED would tell a client it spent a quota of its own, which it did not).
/// </summary>
public sealed class OverloadErrorTranslator : IErrorTranslator
{
    /// <summary>The delay RetryInfo suggests after a refusal for overload: a few group-commit rounds.</summary>
    public static readonly TimeSpan RetryAfterOverload = TimeSpan.FromMilliseconds(200);

    /// <summary>After an unknown outcome the database itself may be in trouble: a longer pause.</summary>
    public static readonly TimeSpan RetryAfterUnknown = TimeSpan.FromSeconds(1);

    public ServiceError? Translate(Exception exception) => exception switch
    {
        StoreOverloadedException e => Overloaded("submissions", e.Limit),
        Receipts.ReceiptQueueFullException e => Overloaded("receipts", e.Limit),
        CommitOutcomeUnknownException e => new ServiceError(StatusCode.Unavailable, ErrorCodes.OutcomeUnknown, e.Message,
            ErrorCatalogue.Of(ErrorCodes.OutcomeUnknown).Turkish, retryAfter: RetryAfterUnknown),
        _ => null,
    };

    private static ServiceError Overloaded(string queue, int limit) => new(StatusCode.Unavailable, ErrorCodes.Overloaded,
        $"{ErrorCatalogue.Of(ErrorCodes.Overloaded).English} ({limit} {queue} already waiting)", ErrorCatalogue.Of(ErrorCodes.Overloaded).Turkish,
        metadata: new Dictionary<string, string> { ["queue"] = queue, ["limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        retryAfter: RetryAfterOverload);
}
