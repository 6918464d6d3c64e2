namespace Signing.Store;

/// <summary>
/// Told about every write of the store after its decision and just before its commit, so a caller can let a rival
/// write land in between deterministically. Optional: the store runs without one.
/// </summary>
public interface IStoreCommitObserver
{
    /// <summary>
    /// A write of <paramref name="tenant"/> is decided and about to commit; the commit waits for the returned task. A group
    /// commit spanning several tenants tells each of them, one after another, before its one commit.
    /// </summary>
    Task BeforeCommitAsync(string tenant);
}
