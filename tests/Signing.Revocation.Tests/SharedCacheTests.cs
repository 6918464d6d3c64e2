using Npgsql;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Revocation.Tests;

/// <summary>The PostgreSQL cache on a database of its own, used as the runtime role: nodes share answers, nothing goes back in time.</summary>
public sealed class SharedCacheTests(PostgresFixture database) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    // A root of its own per test: CRLs of one issuer name replace each other in the shared tables.
    private readonly TestPki _pki = new("Cache Root " + Guid.NewGuid().ToString("N")[..8]);
    private NpgsqlDataSource _data = null!;

    public async Task InitializeAsync()
    {
        await using var owner = new NpgsqlConnection(database.OwnerConnectionString);
        await owner.OpenAsync();
        await RevocationTables.CreateAsync(owner, new NpgsqlConnectionStringBuilder(database.ConnectionString).Username!);
        _data = NpgsqlDataSource.Create(database.ConnectionString);
    }

    public async Task DisposeAsync() => await _data.DisposeAsync();

    private OcspEntry Answer(ParsedCertificate leaf, DateTime thisUpdate)
    {
        var request = OcspClient.BuildRequest(leaf, _pki.Ca, null);
        var response = ParsedOcspResponse.From(_pki.OcspGood(request, thisUpdate, TimeSpan.FromHours(1), _ => null));
        return new OcspEntry(OcspKeys.For(leaf, _pki.Ca), response, thisUpdate, thisUpdate.AddHours(1), "http://127.0.0.1/ocsp");
    }

    private static DateTime Second(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    [Fact]
    public async Task An_answer_stored_by_one_node_is_read_by_another()
    {
        var leaf = _pki.Leaf(null, null);
        var entry = Answer(leaf, Second(DateTime.UtcNow));
        var crl = ParsedCrl.From(_pki.Crl(7, Second(DateTime.UtcNow), TimeSpan.FromHours(1), 42));
        var (nodeA, nodeB) = (new PostgresRevocationStore(_data), new PostgresRevocationStore(_data));
        Assert.True(await nodeA.PutOcspAsync(entry, CancellationToken.None));
        Assert.True(await nodeA.PutCrlAsync(crl, "http://127.0.0.1/crl", CancellationToken.None));

        var source = new MemoryRevocationSource();
        var before = source.Generation;
        // At least these two (other tests of the class share the database).
        Assert.True(await nodeB.LoadIntoAsync(source, CancellationToken.None) >= 2);
        Assert.Equal(entry.Response.Sha256, source.FindOcsp(leaf, _pki.Ca)?.Sha256);
        Assert.Equal(entry.ThisUpdate, source.FindOcspEntry(leaf, _pki.Ca)!.ThisUpdate);
        Assert.Contains(source.Crls, c => c.Sha256 == crl.Sha256);
        Assert.True(source.Generation > before);
        // Nothing changed since: a second read fetches and changes nothing.
        var generation = source.Generation;
        Assert.Equal(0, await nodeB.LoadIntoAsync(source, CancellationToken.None));
        Assert.Equal(generation, source.Generation);
    }

    [Fact]
    public async Task A_newer_answer_is_not_replaced_by_an_older_one()
    {
        var leaf = _pki.Leaf(null, null);
        var now = Second(DateTime.UtcNow);
        var (older, newer) = (Answer(leaf, now.AddMinutes(-30)), Answer(leaf, now));
        var store = new PostgresRevocationStore(_data);
        Assert.True(await store.PutOcspAsync(newer, CancellationToken.None));
        Assert.False(await store.PutOcspAsync(older, CancellationToken.None));

        var (crl8, crl9) = (ParsedCrl.From(_pki.Crl(8, now.AddMinutes(-5), TimeSpan.FromHours(1))), ParsedCrl.From(_pki.Crl(9, now, TimeSpan.FromHours(1))));
        Assert.True(await store.PutCrlAsync(crl9, null, CancellationToken.None));
        Assert.False(await store.PutCrlAsync(crl8, null, CancellationToken.None));

        var source = new MemoryRevocationSource();
        await store.LoadIntoAsync(source, CancellationToken.None);
        Assert.Equal(newer.Response.Sha256, source.FindOcsp(leaf, _pki.Ca)?.Sha256);
        Assert.Equal("9", source.Crls.Single(c => c.Issuer.Equivalent(_pki.Ca.Subject)).CrlNumber?.ToString());

        // The memory source keeps the newer too, whichever order the data arrives in.
        Assert.False(source.AddOcsp(older));
        Assert.False(source.AddCrl(crl8));
        Assert.Equal(newer.Response.Sha256, source.FindOcsp(leaf, _pki.Ca)?.Sha256);
    }
}
