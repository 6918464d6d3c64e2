using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Signing.Server.Auth;

/// <summary>
/// Single-use nonces for proofs of possession and sign-in. In memory: a challenge lives a few minutes and
/// belongs to the instance that issued it (a multi-instance deployment would move this to the database).
/// </summary>
public sealed class ChallengeStore(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private const int MaxOutstanding = 100_000;

    private readonly ConcurrentDictionary<string, (byte[] Nonce, DateTimeOffset ExpiresAt)> _challenges = new();

    public (string Id, byte[] Nonce, DateTimeOffset ExpiresAt) Create()
    {
        if (_challenges.Count >= MaxOutstanding)
            Sweep();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var nonce = RandomNumberGenerator.GetBytes(32);
        var expires = time.GetUtcNow() + Lifetime;
        _challenges[id] = (nonce, expires);
        return (id, nonce, expires);
    }

    /// <summary>Takes the challenge out (single use); null when unknown, used or expired.</summary>
    public byte[]? Redeem(string id)
    {
        if (string.IsNullOrEmpty(id) || !_challenges.TryRemove(id, out var entry))
            return null;
        return entry.ExpiresAt > time.GetUtcNow() ? entry.Nonce : null;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, entry) in _challenges)
        {
            if (entry.ExpiresAt <= now)
                _challenges.TryRemove(id, out _);
        }
        if (_challenges.Count >= MaxOutstanding)
            throw new Errors.ServiceError(Grpc.Core.StatusCode.ResourceExhausted, Signing.Domain.ErrorCodes.TooManyChallenges,
                "too many outstanding challenges; try again shortly", "bekleyen doğrulama isteği çok fazla; biraz sonra tekrar deneyin");
    }
}
