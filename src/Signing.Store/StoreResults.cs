using Signing.Domain;

namespace Signing.Store;

/// <summary>How a store call failed, for the gRPC layer's status mapping.</summary>
public enum FailureKind
{
    /// <summary>The decider refused (FailedPrecondition / InvalidArgument).</summary>
    Domain,
    /// <summary>Someone else wrote first: reload and retry (Aborted).</summary>
    Concurrency,
    /// <summary>No such application in this tenant (NotFound).</summary>
    NotFound,
    /// <summary>An open renewal for this TCKN already exists in this tenant (AlreadyExists).</summary>
    Conflict,
}

public sealed record StoreError(FailureKind Kind, DomainError Error, Guid? ExistingApplicationId = null);

/// <summary>A value or a typed error; never an exception for a business outcome.</summary>
public sealed record StoreResult<T>(T? Value, StoreError? Failure)
{
    public bool Ok => Failure is null;
    public static StoreResult<T> Success(T value) => new(value, null);
    public static StoreResult<T> Fail(FailureKind kind, string code, string message, Guid? existing = null) =>
        new(default, new StoreError(kind, new DomainError(code, message), existing));
}

/// <summary>What a write returns: the application's id, its new version (the next expectedVersion) and the events appended.</summary>
public sealed record WriteResult(Guid ApplicationId, long Version, IReadOnlyList<IApplicationEvent> Events, bool WasRetry = false);

/// <summary>
/// Where submissions go: one transaction each (<see cref="ApplicationStore"/>) or grouped into shared transactions.
/// Either way the result is only returned once the submission is durable.
/// </summary>
public interface IRenewalSubmitter
{
    Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct = default);
}
