using Signing.Server.Configuration;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using Signing.TestKit;

namespace Signing.Server.Tests;

/// <summary>A database made for the owner role and left as a deployment has it before its migrate step.</summary>
public sealed class UnmigratedDatabase : IAsyncLifetime
{
    public PostgresFixture Database { get; } = PostgresFixture.Unmigrated();
    public Task InitializeAsync() => Database.InitializeAsync();
    public Task DisposeAsync() => Database.DisposeAsync();
}

/// <summary>
/// The built server as a process: it refuses to start on a database its migrate step has not prepared, and
/// `Signing.Server migrate`, run as the owner, prepares it (once; a second run finds nothing to do).
/// </summary>
[Collection(StartupCollection.Name)]
public sealed class MigrateStepTests(UnmigratedDatabase unmigrated) : IClassFixture<UnmigratedDatabase>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Environment(PostgresFixture database, string? owner)
    {
        var environment = ServerStart.WorldEnvironment(database.ConnectionString);
        environment[MigrateCommand.OwnerVariable] = owner;
        return environment;
    }

    private static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();

    private static string Context(ServerStart.Outcome outcome) =>
        $"exit {outcome.ExitCode?.ToString() ?? "none (still running)"}\nstderr:\n{outcome.StandardError}\nstdout:\n{outcome.StandardOutput}";

    [Fact]
    public async Task A_server_on_an_unmigrated_database_refuses_to_start_and_names_the_migrate_step()
    {
        var db = PostgresFixture.Unmigrated();
        await db.InitializeAsync();
        try
        {
            var outcome = await ServerStart.RunAsync(Environment(db, null), [$"--Signing:GrpcPort={FreePort()}", $"--Signing:RestPort={FreePort()}"], Limit);

            Assert.True(outcome.ExitCode == (int)StartupFailure.InvalidSetting, Context(outcome));
            var line = Assert.Single(outcome.ErrorLines);
            Assert.Contains("has no Signing schema", line);
            Assert.Contains("run `Signing.Server migrate` first", line);
            Assert.Contains(db.DatabaseName, line);
        }
        finally
        {
            await db.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_as_the_owner_prepares_the_database_once_and_says_what_it_did()
    {
        var db = unmigrated.Database;

        var first = await ServerStart.RunAsync(Environment(db, db.OwnerConnectionString), [MigrateCommand.Name], Limit);
        var second = await ServerStart.RunAsync(Environment(db, null), [MigrateCommand.Name, $"--{MigrateCommand.OwnerSetting}={db.OwnerConnectionString}"], Limit);

        Assert.True(first.ExitCode == 0, Context(first));
        Assert.Contains("schema change(s)", first.StandardOutput);
        Assert.Contains("create signing.mt_events", first.StandardOutput);
        Assert.Contains("signing.mt_events: signing_app select, insert, signing_audit select", first.StandardOutput);
        Assert.True(second.ExitCode == 0, Context(second));
        Assert.Contains("schema already current", second.StandardOutput);
        using var store = SigningStore.CreateDocumentStore(db.ConnectionString);
        Assert.Equal(SchemaState.Current, await SigningStore.SchemaStateAsync(store, CancellationToken.None));
    }

    [Fact]
    public async Task Migrate_without_an_owner_connection_string_names_the_setting()
    {
        var outcome = await ServerStart.RunAsync(Environment(unmigrated.Database, null), [MigrateCommand.Name], Limit);

        Assert.True(outcome.ExitCode == (int)StartupFailure.InvalidSetting, Context(outcome));
        Assert.Contains(MigrateCommand.OwnerSetting, Assert.Single(outcome.ErrorLines));
    }
}
