using Npgsql;
using Signing.TestKit;

namespace Signing.Server.Tests.Audit;

/// <summary>What `esign audit` does with a command line it cannot run or a source it cannot read: exit 2 and one line why.</summary>
public sealed class AuditCommandLineTests
{
    [Fact]
    public void Without_the_trust_file_it_is_a_usage_error()
    {
        var run = AuditRun.Of(["audit", "verify", "--file", "/nonexistent.jsonl.gz"], json: false);
        Assert.Equal(2, run.Exit);
        Assert.Contains("--trust", run.Stderr);
    }

    [Fact]
    public void A_missing_export_file_or_both_sources_at_once_is_a_usage_error()
    {
        var missing = AuditRun.Of(["audit", "verify", "--file", "/nonexistent.jsonl.gz"]);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("/nonexistent.jsonl.gz", missing.Stderr);
        var both = AuditRun.Of(["audit", "verify", "--file", "/x.gz", "--database", "Host=127.0.0.1"]);
        Assert.Equal(2, both.Exit);
        Assert.Contains("not both", both.Stderr);
    }

    [Fact]
    public void A_database_that_cannot_be_read_is_exit_2_with_PostgreSQLs_words()
    {
        var audit = new NpgsqlConnectionStringBuilder(LocalWorld.Setting("SIGNING_DB_AUDIT")) { Database = "no_such_database_" + Guid.NewGuid().ToString("N")[..8] };
        var run = AuditRun.Of(["audit", "verify", "--database", audit.ConnectionString]);
        Assert.Equal(2, run.Exit);
        Assert.Contains("does not exist", run.Stderr);
    }
}
