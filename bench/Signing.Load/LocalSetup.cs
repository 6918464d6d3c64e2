using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Signing.Load;

/// <summary>
/// Where the local world is: repository, hsm-sim manifest, the server's configuration file for that world, PostgreSQL
/// (environment first, then .local/env): the runtime role's connection (SIGNING_DB), the owner's (SIGNING_DB_OWNER, who
/// migrates) and the superuser's (SIGNING_DB_ADMIN, who creates databases); without the last two, SIGNING_DB does all.
/// </summary>
public sealed class LocalSetup
{
    public required string Repo { get; init; }
    public required string ManifestPath { get; init; }
    /// <summary>The server configuration hsm-sim writes beside the manifest (what SIGNING_CONFIG names).</summary>
    public required string ServerConfigPath { get; init; }
    /// <summary>The runtime role (what the server connects as) on the world's database.</summary>
    public required string ServerConnectionString { get; init; }
    /// <summary>The schema owner: databases are created for it and migrated as it.</summary>
    public required string OwnerConnectionString { get; init; }
    /// <summary>A superuser on database postgres: creates and drops databases.</summary>
    public required string AdminConnectionString { get; init; }
    public required string SoftHsmConf { get; init; }

    public static LocalSetup Discover()
    {
        var repo = Environment.GetEnvironmentVariable("SIGNING_REPO") is { Length: > 0 } r ? r : FindRepo();
        var env = ReadEnvFile(Path.Combine(repo, ".local", "env"));
        string? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : env.GetValueOrDefault(name);
        var db = Setting("SIGNING_DB") ?? throw new InvalidOperationException("no SIGNING_DB (environment or .local/env): run ./build.sh --target=Db first");
        var manifest = Setting("SIGNING_HSM_MANIFEST") ?? Path.Combine(repo, ".local", "hsm", "manifest.json");
        return new LocalSetup
        {
            Repo = repo,
            ManifestPath = manifest,
            ServerConfigPath = Setting("SIGNING_CONFIG") ?? Path.Combine(Path.GetDirectoryName(manifest)!, "server.json"),
            ServerConnectionString = db,
            OwnerConnectionString = Setting("SIGNING_DB_OWNER") ?? db,
            AdminConnectionString = Setting("SIGNING_DB_ADMIN") ?? db,
            SoftHsmConf = Setting("SOFTHSM2_CONF") ?? Path.Combine(repo, ".local", "hsm", "softhsm2.conf"),
        };
    }

    /// <summary>The runtime role's connection string to another database on the same PostgreSQL.</summary>
    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, MaxPoolSize = 200 }.ConnectionString;

    /// <summary>The owner's connection string to another database on the same PostgreSQL (to migrate it, or to change it behind the server's back).</summary>
    public string OwnerConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(OwnerConnectionString) { Database = database }.ConnectionString;

    /// <summary>A database as a deployment has it: owned by the owner role, migrated as it, ready for the runtime role.</summary>
    public async Task CreateDatabaseAsync(string name)
    {
        var owner = new NpgsqlConnectionStringBuilder(OwnerConnectionString).Username;
        await AdminAsync($"create database \"{name}\" owner \"{owner}\"");
        await Signing.Store.SigningStore.MigrateAsync(OwnerConnectionStringFor(name), CancellationToken.None);
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"drop database if exists \"{name}\" with (force)");
    }

    private async Task AdminAsync(string sql)
    {
        // Not a database that may be the one dropped: a connection cannot drop its own database.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The PostgreSQL postmaster's pid (from its data directory), to measure the database's CPU too; null when unknown.</summary>
    public int? PostmasterPid()
    {
        var env = ReadEnvFile(Path.Combine(Repo, ".local", "env"));
        if (!env.TryGetValue("SIGNING_PG_DIR", out var dir))
            return null;
        var pidFile = Path.Combine(dir, "data", "postmaster.pid");
        try
        {
            return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid) ? pid : null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string FindRepo()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Signing.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository (Signing.sln) above the current directory; set SIGNING_REPO");
    }

    /// <summary>.local/env is shell syntax written by build.cake: NAME='value' lines.</summary>
    private static Dictionary<string, string> ReadEnvFile(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return result;
        foreach (var line in File.ReadAllLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            var eq = trimmed.IndexOf('=');
            if (eq <= 0)
                continue;
            var value = trimmed[(eq + 1)..];
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0])
                value = value[1..^1];
            result[trimmed[..eq]] = value;
        }
        return result;
    }
}

/// <summary>CPU and memory of a process from /proc (Linux), so the server's cost is measured from outside it.</summary>
public static class ProcStat
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    /// <summary>utime + stime of a process in seconds, or null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may contain spaces) start at ") ": state is field 3, utime 14, stime 15.
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>CPU seconds of a process and all its direct children (PostgreSQL: postmaster and backends).</summary>
    public static double TreeCpuSeconds(int pid)
    {
        var total = CpuSeconds(pid) ?? 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child) || child == pid)
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(rest[1], CultureInfo.InvariantCulture) == pid)
                    total += (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }
        return total;
    }

    /// <summary>VmRSS and VmHWM (peak) in MiB.</summary>
    public static (double Rss, double Peak) Memory(int pid)
    {
        double rss = 0, peak = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kib(line) / 1024.0;
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    peak = Kib(line) / 1024.0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return (rss, peak);
        static double Kib(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The whole machine's busy and total jiffies (first line of /proc/stat).</summary>
    public static (long Busy, long Total) Machine()
    {
        var parts = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var idle = parts[3] + (parts.Length > 4 ? parts[4] : 0);
        var total = parts.Take(8).Sum();
        return (total - idle, total);
    }

    public static double ClientCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}
