using System.Diagnostics;
using System.Globalization;

namespace Signing.Load.Cluster;

/// <summary>
/// The world's PostgreSQL as the harness hurts it: the cluster in .local/pg (SIGNING_PG_DIR of .local/env, as the
/// Db target made it), run as the postgres user through runuser, so the harness must run as root.
/// </summary>
public sealed class LocalPostgres(string root)
{
    public string Root { get; } = root;
    public string Data => Path.Combine(Root, "data");

    public static LocalPostgres Of(LocalSetup setup)
    {
        var env = Path.Combine(setup.Repo, ".local", "env");
        var dir = Environment.GetEnvironmentVariable("SIGNING_PG_DIR") is { Length: > 0 } v ? v
            : File.Exists(env) ? File.ReadLines(env).Select(l => l.Trim()).Where(l => l.StartsWith("SIGNING_PG_DIR=", StringComparison.Ordinal))
                .Select(l => l["SIGNING_PG_DIR=".Length..].Trim('\'', '"')).FirstOrDefault() : null;
        return dir is not null && Directory.Exists(Path.Combine(dir, "data"))
            ? new LocalPostgres(dir)
            : throw new InvalidOperationException("the world's PostgreSQL data directory is unknown (SIGNING_PG_DIR in .local/env; run ./build.sh --target=Db)");
    }

    public int? PostmasterPid()
    {
        var file = Path.Combine(Data, "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).First(), out var pid) ? pid : null;
    }

    /// <summary>The postmaster's children: backends, checkpointer, WAL writer, autovacuum, …</summary>
    public IReadOnlyList<int> Children(int postmaster)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == postmaster)
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(rest[1], CultureInfo.InvariantCulture) == postmaster)
                    children.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone while we looked.
            }
        }
        return children;
    }

    /// <summary>pg_ctl restart -m fast (waits until it accepts connections again); the log keeps going to the cluster's log file.</summary>
    public async Task RestartFastAsync()
    {
        var (code, output) = await RunAsPostgresAsync("restart", "-D", Data, "-m", "fast", "-w", "-t", "60", "-l", Path.Combine(Root, "log"));
        if (code != 0)
            throw new InvalidOperationException($"pg_ctl restart failed ({code}): {output}");
    }

    /// <summary>
    /// SIGSTOP to the postmaster first (so it forks nothing new while its children are stopped), then to every child;
    /// returns what was stopped, for <see cref="Thaw"/>.
    /// </summary>
    public IReadOnlyList<int> Freeze()
    {
        var postmaster = PostmasterPid() ?? throw new InvalidOperationException($"no postmaster.pid in {Data}");
        Signals.Send(postmaster, Signals.Stop);
        var stopped = new List<int> { postmaster };
        foreach (var child in Children(postmaster))
        {
            if (Signals.Send(child, Signals.Stop) == 0)
                stopped.Add(child);
        }
        return stopped;
    }

    /// <summary>SIGCONT to the children, then to the postmaster.</summary>
    public static void Thaw(IReadOnlyList<int> stopped)
    {
        foreach (var pid in stopped.Skip(1))
            Signals.Send(pid, Signals.Cont);
        Signals.Send(stopped[0], Signals.Cont);
    }

    private static async Task<(int Code, string Output)> RunAsPostgresAsync(params string[] pgCtlArgs)
    {
        var start = new ProcessStartInfo("runuser") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl" }.Concat(pgCtlArgs))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("runuser did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
