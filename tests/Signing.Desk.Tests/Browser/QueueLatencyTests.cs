using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;
using Signing.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Signing.Desk.Tests.Browser;

/// <summary>
/// Measurement, not a requirement: from each submission's commit (its gRPC answer) to its row on an open queue page.
/// The test asserts only that every row arrives; the figures go to the test output and artifacts/desk-latency.txt.
/// </summary>
[Collection(DeskCollection.Name)]
public sealed class QueueLatencyTests(DeskWorld world, ITestOutputHelper output)
{
    public const int Submissions = 120;
    private const int InFlight = 4;
    private const string Adana = "01";

    [Fact]
    public async Task Measurement_submission_commit_to_row_on_the_open_queue_page()
    {
        // Adana's desk, so Mersin's queue (the other tests' and the README's pictures) stays short.
        await using var agent = await world.StartAgentAsync("officer-adana");
        var desk = await DeskPage.OpenAsync(world);
        await desk.SignInAsync("Emine Yıldız");
        await desk.Page.WaitForSelectorAsync("#live-state:not(.down)");

        // The gRPC answer comes after the commit (and after the receipt's signature): measured from it, latency is a lower
        // bound. The application's submittedAt (server clock, same machine) is taken before the commit: an upper bound.
        var committed = new ConcurrentDictionary<string, double>();
        var submitted = new ConcurrentDictionary<string, double>();
        using var gate = new SemaphoreSlim(InFlight);
        var tasks = Enumerable.Range(0, Submissions).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var application = await world.Server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), Adana));
                committed[application.Id] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                submitted[application.Id] = application.SubmittedAt.ToDateTimeOffset().ToUnixTimeMilliseconds();
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);

        var ids = committed.Keys.ToArray();
        await desk.Page.WaitForFunctionAsync("ids => ids.every(id => window.deskTimings && id in window.deskTimings)", ids,
            new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 200 });
        var shown = await desk.Page.EvaluateAsync<Dictionary<string, double>>("ids => Object.fromEntries(ids.map(id => [id, window.deskTimings[id]]))", ids);
        Assert.Equal(Submissions, shown.Count);

        var commits = await CommitTimesAsync(ids);
        var exact = commits is null
            ? "commit times not tracked by this PostgreSQL (track_commit_timestamp off)"
            : "from the commit (PostgreSQL's commit timestamp): " + Summary(ids.Select(id => shown[id] - commits[id]));
        var line = string.Create(CultureInfo.InvariantCulture,
            $"measurement: desk queue, submission → row on an open page, n={ids.Length}, {InFlight} submitting at once; {exact}; " +
            $"from the gRPC answer (after commit): {Summary(ids.Select(id => shown[id] - committed[id]))}; " +
            $"from submittedAt (before commit): {Summary(ids.Select(id => shown[id] - submitted[id]))}");
        output.WriteLine(line);
        var artifacts = Path.Combine(Signing.TestKit.LocalWorld.RepositoryRoot, "artifacts");
        Directory.CreateDirectory(artifacts);
        await File.AppendAllTextAsync(Path.Combine(artifacts, "desk-latency.txt"), $"{DateTimeOffset.UtcNow:O} {line}\n");
        await desk.Page.Context.CloseAsync();
    }

    /// <summary>
    /// When each application's first event was committed, in Unix milliseconds, from PostgreSQL's commit timestamps (the
    /// build's cluster runs with track_commit_timestamp=on; another server may not: null then). Same machine, same clock.
    /// </summary>
    private async Task<Dictionary<string, double>?> CommitTimesAsync(string[] ids)
    {
        await using var connection = new Npgsql.NpgsqlConnection(world.Server.Database.AuditConnectionString);
        await connection.OpenAsync();
        await using (var check = new Npgsql.NpgsqlCommand("show track_commit_timestamp", connection))
            if (await check.ExecuteScalarAsync() as string != "on")
                return null;
        await using var command = new Npgsql.NpgsqlCommand(
            "select stream_id::text, extract(epoch from pg_xact_commit_timestamp(xmin)) * 1000 from signing.mt_events " +
            "where version = 1 and stream_id = any(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.Select(Guid.Parse).ToArray());
        var times = new Dictionary<string, double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            times[reader.GetString(0)] = (double)reader.GetDecimal(1);
        Assert.Equal(ids.Length, times.Count);
        return times;
    }

    private static string Summary(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {P(0.50):0.0} ms, p90 {P(0.90):0.0} ms, p99 {P(0.99):0.0} ms, max {sorted[^1]:0.0} ms, min {sorted[0]:0.0} ms");
    }
}
