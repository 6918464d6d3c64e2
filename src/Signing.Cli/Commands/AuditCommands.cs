using System.CommandLine;
using Signing.Audit;
using Signing.Verification;
using Spectre.Console;

namespace Signing.Cli.Commands;

/// <summary>
/// `esign audit verify` and `esign audit export`: the offline audit of the signed record, from the database (a
/// read-only session) or from an export file. Exit 0 only when everything holds; 1 when a problem was found; 2 for bad
/// usage or a source that cannot be read.
/// </summary>
public static class AuditCommands
{
    public const int Holds = 0, ProblemsFound = 1, UsageError = 2;

    /// <summary>The `audit` group; pass writers to capture output (tests), else the console is used.</summary>
    public static Command Create(TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var audit = new Command("audit", "The signed record, checked offline: the Merkle log over every event, the signed checkpoints, the stored evidence.");
        audit.Subcommands.Add(Verify(stdout, stderr));
        audit.Subcommands.Add(Export(stdout, stderr));
        return audit;
    }

    private static Option<string?> DatabaseOption() => new("--database")
    {
        Description = "PostgreSQL connection string of the store (opened read-only); default $SIGNING_DB_AUDIT, else $SIGNING_DB.",
    };

    private static Command Verify(TextWriter? stdout, TextWriter? stderr)
    {
        var command = new Command("verify",
            "Recompute the log from the stored events, check every checkpoint (signature by the directorate, root at its size), " +
            "re-verify every stored CMS and e-Onay confirmation with its stored CRLs at the time of the event, and every decision " +
            "signature over its stored document. Prints a summary and each problem with its stream and version.");
        var database = DatabaseOption();
        var file = new Option<FileInfo?>("--file") { Description = "Read an export file (from `esign audit export`) instead of the database." };
        var trust = new Option<FileInfo?>("--trust") { Description = "The server's trust configuration file (anchors, intermediates, e-Onay issuers, receiptSigners). Required." };
        var certificate = new Option<FileInfo[]>("--directorate-cert") { Description = "The directorate's certificate that signs checkpoints (PEM/DER); repeatable." };
        var sha256 = new Option<string[]>("--directorate-sha256") { Description = "Its SHA-256 fingerprint instead (hex); repeatable. Without either: receiptSigners of --trust." };
        var origin = new Option<string?>("--origin") { Description = "The log's origin every checkpoint must name; default: that of the first checkpoint." };
        var now = new Option<DateTimeOffset?>("--now") { Description = "The audit's time (ISO 8601): events and checkpoints after it are problems. Default: the clock." };
        var treeOnly = new Option<bool>("--tree-only") { Description = "Check the log, the tree and the checkpoints only; skip the evidence." };
        var unsealed = new Option<bool>("--allow-unsealed-tail") { Description = "Leaves after the latest checkpoint are not a problem (a running server's next checkpoint is due)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        foreach (var o in new Option[] { database, file, trust, certificate, sha256, origin, now, treeOnly, unsealed, json })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            var output = stdout ?? Console.Out;
            var error = stderr ?? Console.Error;
            try
            {
                if (parse.GetValue(trust) is not { } trustFile)
                    throw new UsageException("--trust: give the server's trust configuration file");
                var configuration = TrustConfiguration.Load(trustFile.FullName);
                var pins = (parse.GetValue(sha256) ?? []).Select(p => TrustConfiguration.IsSha256(p) ? p
                        : throw new UsageException($"--directorate-sha256: '{p}' is not a SHA-256 fingerprint (64 hex digits)"))
                    .Concat((parse.GetValue(certificate) ?? []).SelectMany(c => ParsedCertificate.FromFile(c.FullName)).Select(c => c.Sha256))
                    .ToList();
                var options = new AuditOptions
                {
                    Trust = configuration,
                    DirectorateSha256 = pins,
                    Origin = parse.GetValue(origin),
                    Now = parse.GetValue(now) ?? DateTimeOffset.UtcNow,
                    TreeOnly = parse.GetValue(treeOnly),
                    AllowUnsealedTail = parse.GetValue(unsealed),
                };
                var report = Run(Source(parse.GetValue(database), parse.GetValue(file)), error,
                    (source, progress, ct) => new Auditor(options with { Progress = progress }).RunAsync(source, ct));
                if (parse.GetValue(json))
                    output.WriteLine(report.ToJson());
                else
                    report.WriteText(output);
                return report.Holds ? Holds : ProblemsFound;
            }
            catch (Exception e) when (IsUsage(e))
            {
                error.WriteLine("esign audit: " + e.Message);
                return UsageError;
            }
        });
        return command;
    }

    private static Command Export(TextWriter? stdout, TextWriter? stderr)
    {
        var command = new Command("export",
            "Write the whole record (events, leaves, checkpoints, evidence blobs) to one file for `esign audit verify --file`: " +
            "gzip-compressed JSON lines, described in the README (Auditing the record).");
        var database = DatabaseOption();
        var output = new Option<FileInfo>("--out") { Description = "The file to write.", Required = true };
        command.Options.Add(database);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var error = stderr ?? Console.Error;
            var target = parse.GetValue(output)!;
            var partial = target.FullName + ".partial";
            try
            {
                var entries = Run(Source(parse.GetValue(database), null), error, async (source, progress, ct) =>
                {
                    await using var stream = File.Create(partial);
                    return await ExportFile.WriteAsync(source, stream, progress, ct);
                });
                // Renamed only when complete: a file at --out is always a whole export.
                File.Move(partial, target.FullName, overwrite: true);
                (stdout ?? Console.Out).WriteLine($"Exported {entries} log entries to {target.FullName}");
                return Holds;
            }
            catch (Exception e) when (IsUsage(e))
            {
                File.Delete(partial);
                error.WriteLine("esign audit: " + e.Message);
                return UsageError;
            }
        });
        return command;
    }

    private static IAuditSource Source(string? database, FileInfo? file)
    {
        if (file is not null)
            return database is null ? ExportFile.Open(file.FullName) : throw new UsageException("give --database or --file, not both");
        var connection = database is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable("SIGNING_DB_AUDIT") is { Length: > 0 } audit ? audit
            : Environment.GetEnvironmentVariable("SIGNING_DB") is { Length: > 0 } db ? db
            : throw new UsageException("--database: give a connection string (or set SIGNING_DB_AUDIT), or --file for an export file");
        return new DatabaseSource(connection);
    }

    /// <summary>Runs <paramref name="work"/> over the source, with a progress bar on stderr when it is a terminal.</summary>
    private static T Run<T>(IAuditSource source, TextWriter error, Func<IAuditSource, IProgress<long>?, CancellationToken, Task<T>> work)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return RunAsync().GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        async Task<T> RunAsync()
        {
            await using var _ = source;
            if (Console.IsErrorRedirected || !ReferenceEquals(error, Console.Error))
                return await work(source, null, cancel.Token);
            var info = await source.InfoAsync(cancel.Token);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            return await console.Progress().AutoClear(true).StartAsync(async ctx =>
            {
                var task = ctx.AddTask("audit", maxValue: Math.Max(1, Math.Max(info.Events, info.Leaves)));
                return await work(source, new Bar(task), cancel.Token);
            });
        }
    }

    private sealed class Bar(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }

    private sealed class UsageException(string message) : Exception(message);

    private static bool IsUsage(Exception e) => e is UsageException or AuditSourceException or IOException or UnauthorizedAccessException
        or FormatException or InvalidDataException or System.Text.Json.JsonException or ArgumentException;
}
