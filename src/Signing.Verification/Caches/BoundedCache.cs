using System.Collections.Concurrent;

namespace Signing.Verification;

/// <summary>
/// The engine's memo tables: a concurrent dictionary cleared when it reaches its bound (a directorate's working set is
/// far below it). Counted with Interlocked because ConcurrentDictionary.Count takes every bucket lock, and under load
/// every new certificate is a miss that would ask for it.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _items = new(comparer);
    private int _count;

    public bool TryGetValue(TKey key, out TValue value) => _items.TryGetValue(key, out value!);

    /// <summary>Remembers <paramref name="value"/> and returns what the cache holds for the key (the first writer wins a race).</summary>
    public TValue Add(TKey key, TValue value)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            _items.Clear();
            Interlocked.Exchange(ref _count, 0);
        }
        if (_items.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }
        return _items.TryGetValue(key, out var raced) ? raced : value;
    }
}

/// <summary>Bounds of the engine's memo tables.</summary>
internal static class CacheBounds
{
    /// <summary>
    /// The bound of memo tables keyed by a signer's certificate (or its key). A renewal applicant's certificate is seen a few
    /// times within minutes (sign-in, check, submit) and then rarely again, while a wave brings thousands of new ones a
    /// second. Whatever these tables hold survives young-generation collections and dies later in gen2, so large bounds
    /// cost GC pauses under load (measurements: bench/Signing.Benchmarks/README.md). 64 is the last minute's signers at a
    /// directorate's normal pace, which is when reuse happens; in a wave a miss only costs a re-parse. The CA side (trust anchors, sub-CAs, CRLs, the path prefix) lives elsewhere.
    /// </summary>
    public const int SignerWorkingSet = 64;
}
