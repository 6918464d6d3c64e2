using Grpc.Core;
using Signing.Domain;

namespace Signing.Server.Errors;

/// <summary>One field of a request and why it was refused (google.rpc.BadRequest.FieldViolation).</summary>
public sealed record FieldViolation(string Field, string Description, string DescriptionTr);

/// <summary>A precondition that does not hold (google.rpc.PreconditionFailure.Violation).</summary>
public sealed record PreconditionViolation(string Type, string Subject, string Description);

/// <summary>
/// A refusal the service means to give: the interceptor turns it into a status with rich details.
/// Reason is one of <see cref="ErrorCodes"/> (google.rpc.ErrorInfo.reason), e.g. FORM_NOT_YOURS.
/// </summary>
public sealed class ServiceError : Exception
{
    public ServiceError(StatusCode code, string reason, string message, string messageTr,
        IReadOnlyList<FieldViolation>? fields = null, IReadOnlyList<PreconditionViolation>? preconditions = null,
        IReadOnlyDictionary<string, string>? metadata = null, TimeSpan? retryAfter = null)
        : base(message)
    {
        RetryAfter = retryAfter;
        Code = code;
        Reason = reason;
        MessageTr = messageTr;
        Fields = fields ?? [];
        Preconditions = preconditions ?? [];
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    public StatusCode Code { get; }
    public string Reason { get; }
    public string MessageTr { get; }
    public IReadOnlyList<FieldViolation> Fields { get; }
    public IReadOnlyList<PreconditionViolation> Preconditions { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>When set, the caller may retry after this long (google.rpc.RetryInfo).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>A refusal that says no more than its reason's texts in <see cref="ErrorCatalogue"/>.</summary>
    public static ServiceError FromCatalogue(StatusCode code, string reason, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var text = ErrorCatalogue.Of(reason);
        return new(code, reason, text.English, text.Turkish, metadata: metadata);
    }

    public static ServiceError InvalidArgument(string field, string description, string descriptionTr) =>
        new(StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, $"{field}: {description}", $"{field}: {descriptionTr}",
            [new FieldViolation(field, description, descriptionTr)]);

    public static ServiceError InvalidArguments(IReadOnlyList<FieldViolation> fields) =>
        new(StatusCode.InvalidArgument, ErrorCodes.InvalidArgument,
            string.Join("; ", fields.Select(f => $"{f.Field}: {f.Description}")),
            string.Join("; ", fields.Select(f => $"{f.Field}: {f.DescriptionTr}")), fields);

    public static ServiceError PermissionDenied(string reason, string message, string messageTr) =>
        new(StatusCode.PermissionDenied, reason, message, messageTr);

    public static ServiceError Unauthenticated(string reason, string message, string messageTr) =>
        new(StatusCode.Unauthenticated, reason, message, messageTr);

    public static ServiceError FailedPrecondition(string reason, string subject, string message, string messageTr) =>
        new(StatusCode.FailedPrecondition, reason, message, messageTr, preconditions: [new PreconditionViolation(reason, subject, message)]);
}

/// <summary>Collects every field violation of a request, then refuses it once with all of them.</summary>
public sealed class RequestCheck
{
    private readonly List<FieldViolation> _violations = [];

    public RequestCheck Require(bool condition, string field, string description, string descriptionTr)
    {
        if (!condition)
            _violations.Add(new FieldViolation(field, description, descriptionTr));
        return this;
    }

    /// <summary>
    /// Free text that is kept in the record: at most <paramref name="max"/> characters and no control characters (none
    /// belongs in a record, and PostgreSQL's jsonb cannot hold U+0000 at all); line breaks and tabs only where
    /// <paramref name="multiline"/>.
    /// </summary>
    public RequestCheck Text(string field, string value, int max, bool required = false, bool multiline = false) => Require(
        (!required || !string.IsNullOrWhiteSpace(value)) && value.Length <= max
            && !value.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')),
        field,
        $"{(required ? "required, " : "")}at most {max} characters, without control characters{(multiline ? " (line breaks and tabs allowed)" : "")}",
        $"{(required ? "zorunlu, " : "")}en çok {max} karakter; kontrol karakteri içeremez{(multiline ? " (satır sonu ve sekme olabilir)" : "")}");

    public bool Ok => _violations.Count == 0;

    public void ThrowIfInvalid()
    {
        if (_violations.Count > 0)
            throw ServiceError.InvalidArguments(_violations);
    }
}
