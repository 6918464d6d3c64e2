namespace Signing.Store;

/// <summary>The group commit's queue is full (<see cref="GroupCommitOptions.MaxQueued"/>): nothing was written; retry shortly.</summary>
public sealed class StoreOverloadedException(int limit)
    : Exception($"{limit} submissions are already waiting for the database; nothing was written")
{
    public int Limit { get; } = limit;
}

/// <summary>
/// The submission may or may not have been committed (the commit was cancelled, timed out, or its connection broke):
/// retry with the same request id, which finds the stored outcome or submits it afresh.
/// </summary>
public sealed class CommitOutcomeUnknownException(string reason, Exception? inner = null)
    : Exception($"the outcome of the submission is unknown ({reason}); retry with the same request id", inner);
