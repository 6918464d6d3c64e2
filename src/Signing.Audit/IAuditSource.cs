using Signing.Record;

namespace Signing.Audit;

/// <summary>Where an audit reads the record from: a database (read-only) or an export file.</summary>
public interface IAuditSource : IAsyncDisposable
{
    Task<SourceInfo> InfoAsync(CancellationToken ct);

    /// <summary>Every checkpoint row, by tree size.</summary>
    Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(CancellationToken ct);

    /// <summary>
    /// The log joined with the events (see <see cref="LogEntry"/>), in batches. Without <paramref name="withEvidence"/>
    /// no blob is read (the tree alone).
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<LogEntry>> EntriesAsync(bool withEvidence, CancellationToken ct);
}

/// <summary>The source cannot be read at all (connection refused, no such table, a damaged export file): a usage failure, not a finding.</summary>
public sealed class AuditSourceException(string message, Exception? inner = null) : Exception(message, inner);
