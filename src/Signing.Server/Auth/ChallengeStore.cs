using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using Signing.Store;

namespace Signing.Server.Auth;

/// <summary>
/// Single-use nonces for proofs of possession and sign-in, in PostgreSQL (<see cref="ChallengeTable"/>) so that any node
/// redeems what any node made, once: redeeming deletes the row, and of two nodes deleting it at once only one gets it back.
/// Each client address may hold only so many unexpired ones, so one address cannot fill the table and lock everybody out.
/// Expiry is judged by this server's clock (passed to every statement), never PostgreSQL's, so both sides agree.
/// One round trip per create and per redeem.
/// </summary>
public sealed class ChallengeStore(NpgsqlDataSource dataSource, TimeProvider time, int maxPerClient = ChallengeStore.DefaultMaxPerClient)
    : IAsyncDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public const int DefaultMaxPerClient = 1_000;

    /// <summary>
    /// Outstanding challenges of all clients together beyond which none is made. Counting them on every create would read
    /// the whole table; the sweep counts them once a minute instead, so this bound may be overshot by what a minute's
    /// flood adds (the per-address rate limit and cap bound that).
    /// </summary>
    public const int MaxOutstanding = 100_000;

    private const int SweepBatch = 10_000;

    private static readonly string Table = ChallengeTable.Qualified;

    // The cap is checked and the row inserted in one statement. Under READ COMMITTED two creates of the same client racing
    // on two nodes may both see one place left and both insert: a client can overshoot its cap by the creates it has in
    // flight at once, which the per-address rate limit keeps to a handful. A lock per client would make every sign-in pay
    // for a rare race.
    private static readonly string InsertSql =
        $"insert into {Table} (id, nonce, client, expires_at) select $1, $2, $3, $4 " +
        $"where (select count(*) from {Table} where client = $3 and expires_at > $5) < $6";

    private static readonly string RedeemSql = $"delete from {Table} where id = $1 returning nonce, expires_at";

    private static readonly string SweepSql = $"delete from {Table} where id in (select id from {Table} where expires_at < $1 limit $2)";

    private static readonly string CountSql = $"select count(*) from {Table} where expires_at > $1";

    private long _outstanding;

    /// <summary>Outstanding challenges of every node, as the last sweep counted them.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <param name="client">The client address (see Limits.ClientAddress); null = the one partition of unknown addresses.</param>
    public async Task<(string Id, byte[] Nonce, DateTimeOffset ExpiresAt)> CreateAsync(string? client, CancellationToken ct)
    {
        client ??= "";
        if (Outstanding >= MaxOutstanding)
            throw TooMany("too many outstanding challenges; try again shortly", "bekleyen doğrulama isteği çok fazla; biraz sonra tekrar deneyin");
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var nonce = RandomNumberGenerator.GetBytes(32);
        var now = time.GetUtcNow();
        var expires = now + Lifetime;
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = nonce, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = client, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expires, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)maxPerClient, NpgsqlDbType = NpgsqlDbType.Bigint });
        if (await command.ExecuteNonQueryAsync(ct) == 0)
            throw TooMany($"this address holds {maxPerClient} unused challenges; use them or wait until they expire ({Lifetime.TotalMinutes:0} minutes)",
                $"bu adresin kullanılmamış {maxPerClient} doğrulama isteği var; bunları kullanın ya da süreleri dolana kadar bekleyin");
        return (id, nonce, expires);
    }

    /// <summary>Takes the challenge out (single use, on whichever node); null when unknown, used or expired.</summary>
    public async Task<byte[]?> RedeemAsync(string id, CancellationToken ct)
    {
        // Only an id this store could have made reaches PostgreSQL: any other text (a NUL character among them, which
        // PostgreSQL refuses in text) is simply unknown.
        if (!IsIdShape(id))
            return null;
        await using var command = dataSource.CreateCommand(RedeemSql);
        command.Parameters.Add(new NpgsqlParameter { Value = id, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var nonce = reader.GetFieldValue<byte[]>(0);
        var expires = reader.GetFieldValue<DateTimeOffset>(1);
        return expires > time.GetUtcNow() ? nonce : null;
    }

    /// <summary>32 lower-case hexadecimal digits, as <see cref="CreateAsync"/> makes them.</summary>
    private static bool IsIdShape(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>
    /// Deletes challenges expired for more than <paramref name="grace"/>, a bounded batch per statement (a long delete
    /// would hold its locks and bloat one transaction), then counts what is left. Idempotent: every node may run it.
    /// Returns how many rows were deleted.
    /// </summary>
    public async Task<int> SweepAsync(TimeSpan grace, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var deleted = 0;
        int batch;
        do
        {
            await using var command = dataSource.CreateCommand(SweepSql);
            command.Parameters.Add(new NpgsqlParameter { Value = now - grace, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = SweepBatch, NpgsqlDbType = NpgsqlDbType.Integer });
            batch = await command.ExecuteNonQueryAsync(ct);
            deleted += batch;
        }
        while (batch == SweepBatch);
        await using (var count = dataSource.CreateCommand(CountSql))
        {
            count.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            Interlocked.Exchange(ref _outstanding, (long)(await count.ExecuteScalarAsync(ct))!);
        }
        return deleted;
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private static Errors.ServiceError TooMany(string message, string messageTr) =>
        new(Grpc.Core.StatusCode.ResourceExhausted, Signing.Domain.ErrorCodes.TooManyChallenges, message, messageTr);
}

/// <summary>
/// Sweeps expired challenges once a minute (and once at start). Every node runs it: the delete is idempotent, and a
/// node's count of outstanding challenges is what its global cap reads. A failed sweep (PostgreSQL away) is logged and
/// tried again at the next tick; it never stops the host.
/// </summary>
public sealed class ChallengeSweeper(ChallengeStore store, TimeProvider time, ILogger<ChallengeSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>How long an expired row is kept: nodes' clocks differ a little, and a node whose clock runs ahead must not
    /// sweep a challenge another node still honours.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var deleted = await store.SweepAsync(Grace, stoppingToken);
                if (deleted > 0)
                    logger.LogDebug("swept {Deleted} expired challenges; {Outstanding} outstanding", deleted, store.Outstanding);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("challenge sweep failed, next in {Interval}: {Message}", Interval, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
