using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Signing.Server.Auth;

/// <summary>
/// Single-use nonces for proofs of possession and sign-in. In memory: a challenge lives a few minutes and
/// belongs to the instance that issued it (a multi-instance deployment would move this to the database).
/// Each client address may hold only so many unredeemed, so one address cannot fill the store and lock everybody out.
/// </summary>
public sealed class ChallengeStore(TimeProvider time, int maxPerClient = ChallengeStore.DefaultMaxPerClient)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public const int DefaultMaxPerClient = 1_000;
    private const int MaxOutstanding = 100_000;
    // A full store is swept at most this often: a sweep walks every entry, and a flood must not make each call pay for one.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (byte[] Nonce, DateTimeOffset ExpiresAt, string Client)> _challenges = new();
    private readonly ConcurrentDictionary<string, int> _perClient = new();
    private long _lastSweep;

    /// <param name="client">The client address (see Limits.ClientAddress); null = the one partition of unknown addresses.</param>
    public (string Id, byte[] Nonce, DateTimeOffset ExpiresAt) Create(string? client = null)
    {
        client ??= "";
        if (_challenges.Count >= MaxOutstanding || Count(client) >= maxPerClient)
            Sweep();
        if (_challenges.Count >= MaxOutstanding)
            throw TooMany("too many outstanding challenges; try again shortly", "bekleyen doğrulama isteği çok fazla; biraz sonra tekrar deneyin");
        if (_perClient.AddOrUpdate(client, 1, (_, n) => n + 1) > maxPerClient)
        {
            Release(client);
            throw TooMany($"this address holds {maxPerClient} unused challenges; use them or wait until they expire ({Lifetime.TotalMinutes:0} minutes)",
                $"bu adresin kullanılmamış {maxPerClient} doğrulama isteği var; bunları kullanın ya da süreleri dolana kadar bekleyin");
        }
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var nonce = RandomNumberGenerator.GetBytes(32);
        var expires = time.GetUtcNow() + Lifetime;
        _challenges[id] = (nonce, expires, client);
        return (id, nonce, expires);
    }

    /// <summary>Takes the challenge out (single use); null when unknown, used or expired.</summary>
    public byte[]? Redeem(string id)
    {
        if (string.IsNullOrEmpty(id) || !_challenges.TryRemove(id, out var entry))
            return null;
        Release(entry.Client);
        return entry.ExpiresAt > time.GetUtcNow() ? entry.Nonce : null;
    }

    private int Count(string client) => _perClient.TryGetValue(client, out var n) ? n : 0;

    private void Release(string client)
    {
        if (_perClient.AddOrUpdate(client, 0, (_, n) => n - 1) <= 0)
            _perClient.TryRemove(KeyValuePair.Create(client, 0));
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        var last = Interlocked.Read(ref _lastSweep);
        if (now.UtcTicks - last < SweepInterval.Ticks || Interlocked.CompareExchange(ref _lastSweep, now.UtcTicks, last) != last)
            return;
        foreach (var (id, entry) in _challenges)
        {
            if (entry.ExpiresAt <= now && _challenges.TryRemove(id, out _))
                Release(entry.Client);
        }
    }

    private static Errors.ServiceError TooMany(string message, string messageTr) =>
        new(Grpc.Core.StatusCode.ResourceExhausted, Signing.Domain.ErrorCodes.TooManyChallenges, message, messageTr);
}
