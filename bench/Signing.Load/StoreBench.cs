using System.Diagnostics;
using Signing.Domain;
using Signing.Store;

namespace Signing.Load;

/// <summary>
/// `store`: the write path alone (no gRPC, no verification, no receipt): --concurrency callers submit decided-valid
/// renewals through GroupCommitSubmitter and through ApplicationStore (one transaction each), each on a fresh database,
/// so the store's own ceiling and the group-commit gain can be told apart from the server's CPU.
/// </summary>
public static class StoreBench
{
    /// <summary>
    /// An experiment, not the product: the same store WITHOUT the inline projections (events, streams and the
    /// open-renewal guard only), to measure what the projections cost per submission.
    /// </summary>
    private static Marten.DocumentStore EventsOnlyStore(string connectionString) => Marten.DocumentStore.For(o =>
    {
        o.Connection(connectionString);
        o.DatabaseSchemaName = SigningStore.Schema;
        o.UseSystemTextJsonForSerialization(Weasel.Core.EnumStorage.AsString);
        o.AutoCreateSchemaObjects = JasperFx.AutoCreate.CreateOrUpdate;
        o.Events.TenancyStyle = JasperFx.MultiTenancy.TenancyStyle.Conjoined;
        o.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsGuid;
        o.Policies.AllDocumentsAreMultiTenanted();
        o.Events.MapEventType(typeof(RenewalSubmitted), "renewal_submitted");
        o.Schema.For<OpenRenewal>();
    });

    public sealed record Numbers(string Mode, double PerSecond, double P50Ms, double P99Ms, long Batches, long Submissions, double DbCpuPct, double ClientCpuPct);

    public static async Task<Numbers> RunAsync(LocalSetup setup, string mode, int concurrency, TimeSpan warmup, TimeSpan duration, int maxBatch, int maxInFlight, string shape = "full")
    {
        var database = $"load_store_{DateTime.UtcNow:MMddHHmmss}_{mode.Replace('-', '_')}";
        await setup.CreateDatabaseAsync(database);
        try
        {
            // The database is migrated (CreateDatabaseAsync); the events-only experiment's own objects are a subset of it.
            using var store = shape == "events-only" ? EventsOnlyStore(setup.ConnectionStringFor(database)) : SigningStore.CreateDocumentStore(setup.ConnectionStringFor(database));
            var single = new ApplicationStore(store);
            await using var grouped = new GroupCommitSubmitter(single, new GroupCommitOptions { MaxBatch = maxBatch, MaxInFlight = maxInFlight });
            IRenewalSubmitter submitter = mode == "naive" ? single : grouped;
            var settings = TenantSettings.Mersin([Tckn.Parse("16384729550")]);
            var next = -1L;
            var stop = 0;
            var measureFrom = long.MaxValue;
            var measureTo = long.MaxValue;
            var latencies = new List<long>[concurrency];
            async Task Caller(int n)
            {
                var mine = latencies[n] = new List<long>(1 << 15);
                while (Volatile.Read(ref stop) == 0)
                {
                    var i = Interlocked.Increment(ref next);
                    var tckn = Seeder.TcknFor(i);
                    var at = DateTimeOffset.UtcNow;
                    var command = new SubmitRenewal(Guid.Empty, "store-" + i, settings,
                        new Applicant(tckn, PersonName.Parse("Deneme Başvuru"), ApplicantCategory.Doctor),
                        new Contact("store@example.org", "+90 532 000 00 00"), "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin",
                        new CertificateFacts(at.AddDays(60), "ab".PadRight(64, 'c')),
                        new Confirmation.ESigned(new SignatureFacts(Indication.Passed, tckn.Value, at.AddDays(60), "ab".PadRight(64, 'c'), SigningTime: at)), at);
                    var begin = Stopwatch.GetTimestamp();
                    var result = await submitter.SubmitAsync("33", command);
                    var end = Stopwatch.GetTimestamp();
                    if (!result.Ok)
                        throw new InvalidOperationException("store bench submission refused: " + result.Failure);
                    if (begin >= Volatile.Read(ref measureFrom) && end <= Volatile.Read(ref measureTo))
                        mine.Add(end - begin);
                }
            }
            var postmaster = setup.PostmasterPid();
            var tasks = Enumerable.Range(0, concurrency).Select(n => Task.Run(() => Caller(n))).ToArray();
            await Task.Delay(warmup);
            var batches0 = grouped.Batches;
            var submissions0 = grouped.Submissions;
            var db0 = postmaster is { } p0 ? ProcStat.TreeCpuSeconds(p0) : 0;
            var cli0 = ProcStat.ClientCpuSeconds();
            var start = Stopwatch.GetTimestamp();
            Volatile.Write(ref measureFrom, start);
            await Task.Delay(duration);
            var stopAt = Stopwatch.GetTimestamp();
            Volatile.Write(ref measureTo, stopAt);
            var db = (postmaster is { } p1 ? ProcStat.TreeCpuSeconds(p1) : 0) - db0;
            var cli = ProcStat.ClientCpuSeconds() - cli0;
            var batches = grouped.Batches - batches0;
            var submissions = grouped.Submissions - submissions0;
            Volatile.Write(ref stop, 1);
            await Task.WhenAll(tasks);
            var seconds = (double)(stopAt - start) / Stopwatch.Frequency;
            var all = latencies.SelectMany(l => l).Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
            var numbers = QueueLatency.Summarise(all.Length, all);
            return new Numbers(mode, all.Length / seconds, numbers.P50Ms, numbers.P99Ms, batches, submissions, db / seconds * 100, cli / seconds * 100);
        }
        finally
        {
            await setup.DropDatabaseAsync(database);
        }
    }
}
