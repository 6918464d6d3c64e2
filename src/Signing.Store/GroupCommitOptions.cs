namespace Signing.Store;

/// <summary>Group commit settings (configuration section <see cref="Section"/>).</summary>
public sealed record GroupCommitOptions
{
    public const string Section = "Signing:GroupCommit";

    /// <summary>The most submissions one batch (all tenants together) takes from the queue.</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>
    /// How long a batch waits for more submissions after the first one. 0 = take what is queued and go: under load the
    /// queue refills while a commit runs, so batches grow by themselves; when idle nobody pays an extra wait.
    /// </summary>
    public int MaxWaitMicroseconds { get; init; }

    /// <summary>
    /// Batches committing at the same time. Above 1, the next batch is read and decided while the previous one waits on
    /// PostgreSQL; 1 = strictly one after another (biggest batches, least database CPU per submission). Batches in flight
    /// together cannot see each other: a duplicate across them (same request id, or same TCKN) collides in PostgreSQL at
    /// the later commit, and that batch is submitted again one by one, so every caller still gets the exact answer (the
    /// batch that commits first wins). bench/Signing.Load/README.md has the measured effect of each setting.
    /// </summary>
    public int MaxInFlight { get; init; } = 2;

    /// <summary>
    /// Submissions waiting for a batch at most; one more is refused at once (<see cref="StoreOverloadedException"/>),
    /// before anything is written. 0 = 4 × MaxBatch × MaxInFlight (2048 with the defaults): four rounds of full batches,
    /// a fraction of a second at the measured rates, so a refusal means the database really is behind.
    /// </summary>
    public int MaxQueued { get; init; }

    /// <summary>
    /// How long one batch's database work may take before it is cancelled (and how long a caller without a deadline of its
    /// own waits for its outcome): a stalled or frozen PostgreSQL must not hold the in-flight slots and the callers for ever.
    /// </summary>
    public int CommitTimeoutSeconds { get; init; } = 10;

    /// <summary><see cref="MaxQueued"/>, or its default.</summary>
    public int QueueBound => MaxQueued > 0 ? MaxQueued : 4 * MaxBatch * MaxInFlight;

    /// <summary>Each setting out of its range, as one line naming its key; none when the options are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxBatch < 1)
            yield return $"{Section}:MaxBatch must be at least 1 (was {MaxBatch})";
        if (MaxInFlight < 1)
            yield return $"{Section}:MaxInFlight must be at least 1 (was {MaxInFlight})";
        if (MaxWaitMicroseconds < 0)
            yield return $"{Section}:MaxWaitMicroseconds must be at least 0 (was {MaxWaitMicroseconds})";
        if (MaxQueued < 0)
            yield return $"{Section}:MaxQueued must be at least 0 (0 = 4 × MaxBatch × MaxInFlight; was {MaxQueued})";
        if (CommitTimeoutSeconds < 1)
            yield return $"{Section}:CommitTimeoutSeconds must be at least 1 (was {CommitTimeoutSeconds})";
    }
}
