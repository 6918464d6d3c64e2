namespace Signing.Domain;

/// <summary>A refusal: a stable machine code (clients switch on it) and a human message saying why.</summary>
public sealed record DomainError(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>
/// The stable reasons a refusal carries (google.rpc.ErrorInfo.reason on the wire). Never rename one: clients switch
/// on them. Every reason has its Turkish and English text in <see cref="ErrorCatalogue"/>.
/// </summary>
public static class ErrorCodes
{
    public const string AlreadySubmitted = "application.already_submitted";
    public const string NotSubmitted = "application.not_submitted";
    public const string ReasonNotRenewal = "submit.reason_not_renewal";
    public const string KindNotNes = "submit.kind_not_nes";
    public const string TermNotThreeYears = "submit.term_not_three_years";
    public const string MissingContact = "submit.missing_contact";
    public const string MissingAddress = "submit.missing_address";
    public const string MissingRequestId = "submit.missing_request_id";
    public const string SignatureNotPassed = "confirmation.signature_not_passed";
    public const string SignerNotApplicant = "confirmation.signer_not_applicant";
    public const string SigningCertificateExpired = "confirmation.certificate_expired";
    public const string EOnayNotConfirmed = "confirmation.eonay_not_confirmed";
    public const string EOnayNotApplicant = "confirmation.eonay_not_applicant";
    public const string FamilyPhysicianMustESign = "confirmation.family_physician_must_esign";
    /// <summary>The applicant's category disagrees with the directorate's roster (and the directorate refuses rather than flags).</summary>
    public const string CategoryNotRoster = "submit.category_not_roster";
    /// <summary>An officer's category confirmation that cannot be made (nothing to confirm, or a category the queue cannot take).</summary>
    public const string CategoryNotConfirmable = "category.not_confirmable";
    public const string NotAwaitingPaper = "paper.not_awaiting";
    public const string WrongCopyCount = "paper.wrong_copy_count";
    public const string ReceiptNotRequired = "receipt.not_required";
    public const string ReceiptNotAccepted = "receipt.not_accepted_now";
    public const string ReceiptAmount = "receipt.amount_mismatch";
    public const string ReceiptIban = "receipt.iban_mismatch";
    public const string ReceiptGivenName = "receipt.description_missing_given_name";
    public const string ReceiptSurname = "receipt.description_missing_surname";
    public const string ReceiptTckn = "receipt.description_missing_tckn";
    public const string ReceiptPhrase = "receipt.description_missing_phrase";
    public const string ReceiptFileHash = "receipt.file_hash_invalid";
    public const string NotApprovable = "decision.not_approvable";
    public const string NotOnQueue = "decision.not_on_queue";
    /// <summary>An officer acting for another directorate; one reason whether the server or the decider notices it.</summary>
    public const string WrongTenant = "WRONG_TENANT";
    public const string NotAnOfficer = "decision.not_an_officer";
    public const string SelfDecision = "decision.own_application";
    public const string SameOfficerTwice = "decision.same_officer_twice";
    public const string OfficerSignatureInvalid = "decision.signature_invalid";
    public const string RejectionReasonRequired = "decision.reason_required";
    public const string NotWithdrawable = "withdraw.not_allowed_now";
    public const string NotTheApplicant = "withdraw.not_the_applicant";
    public const string InvalidTransition = "lifecycle.invalid_transition";
    public const string ReturnReasonRequired = "delivery.reason_required";
    public const string ConfirmedByRequired = "delivery.confirmed_by_required";
    public const string PriceNotShown = "kamusm.price_not_shown";
    public const string PaymentAmount = "kamusm.payment_amount_mismatch";
    public const string ReceiptPaidInFuture = "receipt.paid_on_in_future";
    public const string ReceiptPaidTooEarly = "receipt.paid_on_too_early";

    // Raised by the store, not the decider.
    public const string Concurrency = "concurrency.version_conflict";
    public const string NotFound = "application.not_found";
    public const string OpenRenewalExists = "application.open_renewal_exists";
    /// <summary>The same submitter sent this request id before with other content; says nothing of the stored application.</summary>
    public const string RequestIdReused = "submission.request_id_reused";
    /// <summary>An e-Onay confirmation or a signed form already used by an application (any directorate).</summary>
    public const string SignedMaterialReused = "submission.signed_material_reused";
    /// <summary>A receipt (same scanned file, or same bank transfer) already attached to another application.</summary>
    public const string ReceiptAlreadyAttached = "receipt.already_attached";

    // Raised by the server before or around the domain: requests, sign-in, transport, the server's own resources.
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string CmsUnreadable = "CMS_UNREADABLE";
    public const string FormNotYours = "FORM_NOT_YOURS";
    public const string CurrentCertificateRefused = "CURRENT_CERTIFICATE_REFUSED";
    public const string ChallengeUnknown = "CHALLENGE_UNKNOWN";
    public const string TooManyChallenges = "TOO_MANY_CHALLENGES";
    public const string SignInRefused = "SIGN_IN_REFUSED";
    public const string AuthorizationMalformed = "AUTHORIZATION_MALFORMED";
    public const string TokenExpired = "TOKEN_EXPIRED";
    public const string TokenInvalid = "TOKEN_INVALID";
    public const string ClientCertificateUnknown = "CLIENT_CERTIFICATE_UNKNOWN";
    public const string ApiKeyInvalid = "API_KEY_INVALID";
    public const string NotSignedIn = "NOT_SIGNED_IN";
    public const string RoleRequired = "ROLE_REQUIRED";
    public const string WatchFellBehind = "WATCH_FELL_BEHIND";
    /// <summary>A queue watch ended because its server may have missed changes (its feed's database connection dropped).</summary>
    public const string WatchInterrupted = "WATCH_INTERRUPTED";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string ServerKeyUnavailable = "SERVER_KEY_UNAVAILABLE";
    public const string DatabaseUnavailable = "DATABASE_UNAVAILABLE";
    public const string ServerStopping = "SERVER_STOPPING";
    /// <summary>The server's queue in front of the database (or the receipt token) is full: nothing was written; retry after RetryInfo's delay.</summary>
    public const string Overloaded = "OVERLOADED";
    /// <summary>The submission may or may not have been committed: retry with the same request id, which finds the stored outcome.</summary>
    public const string OutcomeUnknown = "OUTCOME_UNKNOWN";
    public const string DeadlineExceeded = "DEADLINE_EXCEEDED";
    public const string Cancelled = "CANCELLED";
    public const string Internal = "INTERNAL";
    public const string NotWetSigned = "NOT_WET_SIGNED";
    public const string FormNotPrintable = "FORM_NOT_PRINTABLE";
    public const string RateLimited = "RATE_LIMITED";
    public const string TooManyWatchers = "TOO_MANY_WATCHERS";
    public const string ClientCertificateExpired = "CLIENT_CERTIFICATE_EXPIRED";
    public const string ClientCertificateNotYetValid = "CLIENT_CERTIFICATE_NOT_YET_VALID";
    public const string MessageMalformed = "MESSAGE_MALFORMED";
    /// <summary>A system client calling an RPC whose scope it was not granted (the scope is in the error's metadata).</summary>
    public const string ScopeRequired = "SCOPE_REQUIRED";
    /// <summary>The event is in the log but no signed checkpoint covers it yet (UNAVAILABLE with RetryInfo), or none is signed at all.</summary>
    public const string LogNotCheckpointed = "LOG_NOT_CHECKPOINTED";
    /// <summary>No checkpoint was signed at the tree size asked for.</summary>
    public const string LogCheckpointNotFound = "LOG_CHECKPOINT_NOT_FOUND";
    /// <summary>The application has no event of the version asked for.</summary>
    public const string LogEventNotFound = "LOG_EVENT_NOT_FOUND";
    /// <summary>
    /// No usable revocation answer for a certificate right now (responders and CRLs unreachable or stale): UNAVAILABLE with
    /// RetryInfo. It says nothing against the certificate.
    /// </summary>
    public const string RevocationUnavailable = "REVOCATION_UNAVAILABLE";

    // Said by the desk tool itself, never by the server.
    public const string BadInput = "BAD_INPUT";
    public const string UnknownCommand = "UNKNOWN_COMMAND";
}
