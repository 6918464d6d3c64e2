using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Npgsql;

namespace Signing.Load;

/// <summary>
/// The PostgreSQL logins of the local world (design: roles), for one database: the superuser creates and drops
/// databases, the schema owner migrates, the runtime role is what a server that does not change schema connects as.
/// A world made before the roles existed has only SIGNING_DB: then that login is all three.
/// </summary>
public sealed record DatabaseLogins(string Admin, string Owner, string Runtime, string? Audit)
{
    public static DatabaseLogins Of(LocalSetup setup)
    {
        var audit = Environment.GetEnvironmentVariable("SIGNING_DB_AUDIT") is { Length: > 0 } v ? v
            : EnvFile(Path.Combine(setup.Repo, ".local", "env")).GetValueOrDefault("SIGNING_DB_AUDIT");
        return new DatabaseLogins(setup.AdminConnectionString, setup.OwnerConnectionString, setup.ServerConnectionString, audit);
    }

    /// <summary>The same logins on another database of the cluster.</summary>
    public DatabaseLogins For(string database) =>
        new(On(Admin, database), On(Owner, database), On(Runtime, database), Audit is null ? null : On(Audit, database));

    public string OwnerRole => ServerBuild.User(Owner);

    /// <summary>An empty database owned by the schema owner: each server build then brings its own schema into it.</summary>
    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(On(Admin, "postgres"));
        await connection.OpenAsync();
        var builder = new NpgsqlCommandBuilder();
        await using var create = new NpgsqlCommand($"create database {builder.QuoteIdentifier(name)} owner {builder.QuoteIdentifier(OwnerRole)}", connection);
        await create.ExecuteNonQueryAsync();
    }

    public async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(On(Admin, "postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select 1 from pg_database where datname = @n", connection);
        command.Parameters.AddWithValue("n", name);
        return await command.ExecuteScalarAsync() is not null;
    }

    private static string On(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database, MaxPoolSize = 200 }.ConnectionString;

    /// <summary>.local/env as build.cake writes it (NAME='value'), for the audit login LocalSetup does not expose.</summary>
    private static Dictionary<string, string> EnvFile(string path) =>
        !File.Exists(path) ? [] : File.ReadLines(path)
            .Select(l => l.Trim()).Where(l => !l.StartsWith('#') && l.IndexOf('=') > 0)
            .Select(l => (Name: l[..l.IndexOf('=')], Value: l[(l.IndexOf('=') + 1)..].Trim('\'', '"')))
            .GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
}

/// <summary>
/// A server build the driver starts, and how its database must be prepared: a build with the migrate step
/// (<c>SigningStore.MigrateAsync</c> in its Signing.Store.dll) never changes schema itself, so the driver runs
/// <c>Signing.Server migrate</c> of that same build as the schema owner and starts it as the runtime role; an older build
/// applies its own schema at start and is given the owner's login. Either way the database holds exactly the schema of
/// the build measured (a base build must not find the newer build's log trigger on its tables).
/// </summary>
public sealed record ServerBuild(string Dll, bool HasMigrateStep)
{
    public static ServerBuild At(string dll)
    {
        var store = Path.Combine(Path.GetDirectoryName(dll)!, "Signing.Store.dll");
        return new ServerBuild(dll, File.Exists(store) && DefinesMethod(store, "SigningStore", "MigrateAsync"));
    }

    /// <summary>Brings a fresh database to this build's schema if the build expects that; returns the login the server runs as.</summary>
    public async Task<string> PrepareAsync(DatabaseLogins logins, IReadOnlyDictionary<string, string> environment, string log)
    {
        if (!HasMigrateStep)
            return logins.Owner;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(Dll)! };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$SIGNING_LOAD_SERVER_LOG\" 2>&1");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Dll);
        start.ArgumentList.Add("migrate");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.Environment["SIGNING_LOAD_SERVER_LOG"] = log;
        start.Environment["SIGNING_DB"] = logins.Runtime;
        start.Environment["SIGNING_DB_OWNER"] = logins.Owner;
        // Grants go to the logins the world has (a world without the roles grants to its one login).
        start.Environment["Signing__Database__RuntimeRole"] = User(logins.Runtime);
        start.Environment["Signing__Database__AuditRole"] = User(logins.Audit ?? logins.Runtime);
        var sw = Stopwatch.StartNew();
        using var migrate = Process.Start(start) ?? throw new InvalidOperationException("Signing.Server migrate did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await migrate.WaitForExitAsync(timeout.Token);
        if (migrate.ExitCode != 0)
            throw new InvalidOperationException($"Signing.Server migrate exited with {migrate.ExitCode}; its output is in {log}");
        Console.Error.WriteLine($"load: migrated with {Path.GetFileName(Dll)} migrate in {sw.Elapsed.TotalSeconds:F1} s");
        return logins.Runtime;
    }

    internal static string User(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Username ?? "postgres";

    private static bool DefinesMethod(string assembly, string typeName, string methodName)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Where(t => metadata.GetString(t.Name) == typeName)
            .SelectMany(t => t.GetMethods().Select(m => metadata.GetString(metadata.GetMethodDefinition(m).Name)))
            .Contains(methodName);
    }
}
