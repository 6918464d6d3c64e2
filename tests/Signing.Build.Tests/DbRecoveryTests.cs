using System.Diagnostics;
using Npgsql;

namespace Signing.Build.Tests;

/// <summary>
/// A copy of the build script in a temporary checkout under a directory the postgres user cannot enter (as /root is),
/// so its cluster lives in the system temp directory and outlives the checkout. Its clusters are removed at the end.
/// </summary>
public sealed class ScratchCheckout : IDisposable
{
    private static readonly string[] ScriptFiles = ["build.sh", "build.cake", "cake.config", "global.json", ".config/dotnet-tools.json"];
    private readonly string _root = Directory.CreateTempSubdirectory("signing-build-test-").FullName;
    private readonly HashSet<string> _clusters = [];

    public string Path { get; }
    public string EnvFile => System.IO.Path.Combine(Path, ".local", "env");

    public ScratchCheckout()
    {
        // CreateTempSubdirectory makes it 0700: the postgres user cannot enter it, or anything below it.
        Path = System.IO.Path.Combine(_root, "checkout");
        foreach (var file in ScriptFiles)
        {
            var target = System.IO.Path.Combine(Path, file);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(System.IO.Path.Combine(BuildScript.RepositoryRoot, file), target);
        }
    }

    /// <summary>The Db target alone (no Bootstrap), with no database from the caller's environment.</summary>
    public ScriptResult Run(string target)
    {
        var result = BuildScript.Run(Path, $"--target={target} --exclusive", TimeSpan.FromMinutes(4),
            new Dictionary<string, string?> { ["SIGNING_DB"] = null });
        if (target == "Db" && File.Exists(EnvFile) && BuildScript.ReadEnv(Path).TryGetValue("SIGNING_PG_DIR", out var cluster))
            _clusters.Add(cluster);
        return result;
    }

    /// <summary>pg_ctl on a cluster, as the user the build runs PostgreSQL as.</summary>
    public static int PgCtl(string cluster, string arguments)
    {
        var pgCtl = Directory.GetDirectories("/usr/lib/postgresql").Select(d => d + "/bin/pg_ctl").Where(File.Exists).Max()!;
        var psi = BuildScript.IsRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- {pgCtl} -D {cluster}/data {arguments}")
            : new ProcessStartInfo(pgCtl, $"-D {cluster}/data {arguments}");
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        using var process = Process.Start(psi)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        foreach (var cluster in _clusters.Where(Directory.Exists))
        {
            PgCtl(cluster, "-m immediate -w stop");
            Directory.Delete(cluster, recursive: true);
        }
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>
/// The Db target meets a cluster an earlier checkout at the same path left behind (a deleted checkout, a killed run):
/// it ends green with a database the written connection string can log in to, every time.
/// </summary>
public sealed class DbRecoveryTests(ScratchCheckout checkout) : IClassFixture<ScratchCheckout>
{
    private sealed record World(string Cluster, string Password, string ConnectionString);

    private World Db()
    {
        var result = checkout.Run("Db");
        Assert.True(result.ExitCode == 0, $"the Db target failed (exit {result.ExitCode}):\n{result.Output}");
        var world = Written();
        Assert.Equal(1, SelectOne(world.ConnectionString));
        return world;
    }

    /// <summary>The checkout's working database as an earlier test left it, else a fresh one from the Db target.</summary>
    private World Current()
    {
        try
        {
            var world = Written();
            if (SelectOne(world.ConnectionString) == 1)
                return world;
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException or NpgsqlException)
        {
        }
        return Db();
    }

    private World Written()
    {
        var env = BuildScript.ReadEnv(checkout.Path);
        return new World(env["SIGNING_PG_DIR"], env["SIGNING_PG_PASSWORD"], env["SIGNING_DB"]);
    }

    private static int SelectOne(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("select 1", connection);
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData(true, false)]  // still running, made by a build that kept no password beside it (or another one)
    [InlineData(false, false)] // stopped, its directory left
    [InlineData(true, true)]   // still running, its password in its directory
    [InlineData(false, true)]  // stopped, its password in its directory
    public void Db_ends_green_with_a_database_it_can_log_in_to_after_a_checkout_left_a_cluster_behind(bool running, bool provable)
    {
        var before = Current();
        if (BuildScript.IsRoot)
            Assert.StartsWith(System.IO.Path.Combine("/tmp", "signing-pg-"), before.Cluster); // outside the checkout: it outlives it
        if (!running)
            Assert.Equal(0, ScratchCheckout.PgCtl(before.Cluster, "-m fast -w stop"));
        if (!provable)
            File.Delete(System.IO.Path.Combine(before.Cluster, "password"));
        File.Delete(checkout.EnvFile); // what a new clone at the same path does not have

        var after = Db();

        Assert.Equal(before.Cluster, after.Cluster);
        if (provable)
            Assert.Equal(before.Password, after.Password); // its own: kept, with whatever it holds
        else
            Assert.NotEqual(before.Password, after.Password); // not provably its own: replaced by a fresh one
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a cluster from before the roles: database signing owned by postgres, no runtime role
    public void Db_writes_the_roles_connections_and_the_runtime_role_is_no_superuser_and_owns_nothing(bool fromBeforeTheRoles)
    {
        Current();
        var env = BuildScript.ReadEnv(checkout.Path);
        if (fromBeforeTheRoles)
        {
            foreach (var sql in new[] { "drop database signing with (force)", "create database signing", "drop owned by signing_app", "drop role signing_app" })
                Scalar("SIGNING_DB_ADMIN", sql);
            File.Delete(checkout.EnvFile);
            NpgsqlConnection.ClearAllPools(); // the drop ended the pooled connections to signing
            Db();
            env = BuildScript.ReadEnv(checkout.Path);
        }
        string Scalar(string setting, string sql)
        {
            // Unpooled: dropping database signing ends every connection to it, pooled ones too.
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(env[setting]) { Pooling = false }.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }
        const string Who = "select current_user || ' ' || rolsuper::text || ' ' || (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) from pg_roles where rolname = current_user";

        Assert.Equal("signing_app false signing_owner", Scalar("SIGNING_DB", Who));
        Assert.Equal("signing_owner false signing_owner", Scalar("SIGNING_DB_OWNER", Who));
        Assert.Equal("signing_audit false signing_owner", Scalar("SIGNING_DB_AUDIT", Who));
        Assert.Equal("postgres true postgres", Scalar("SIGNING_DB_ADMIN", Who));
    }

    [Fact]
    public void Clean_removes_a_cluster_left_behind_even_without_the_checkouts_env()
    {
        var world = Current();
        File.Delete(checkout.EnvFile);

        var clean = checkout.Run("Clean");

        Assert.True(clean.ExitCode == 0, clean.Output);
        Assert.False(Directory.Exists(world.Cluster), $"{world.Cluster} is still there:\n{clean.Output}");
        Assert.False(Directory.Exists(System.IO.Path.Combine(checkout.Path, ".local")));
    }
}
