using Npgsql;

namespace Signing.Load;

/// <summary>
/// The signed record switched off in one measurement database, as its owner, so that the same server build can be
/// measured with and without it: the log's trigger is disabled (no leaf is written, so the checkpointer finds nothing
/// to sign) and a row trigger discards every evidence row. The server still builds the blobs and sends them with each
/// commit, so what the comparison prices is what PostgreSQL does to keep the record. Never for a real store: the
/// product has no such switch.
/// </summary>
internal static class RecordOff
{
    private const string Sql = """
        alter table signing.mt_events disable trigger log_append;
        create function signing.load_discard_evidence() returns trigger language plpgsql as $$ begin return null; end $$;
        create trigger load_discard_evidence before insert on signing.evidence for each row execute function signing.load_discard_evidence();
        """;

    public static async Task ApplyAsync(string ownerConnectionString)
    {
        await using var conn = new NpgsqlConnection(ownerConnectionString);
        await conn.OpenAsync();
        await using (var cmd = new NpgsqlCommand(Sql, conn))
            await cmd.ExecuteNonQueryAsync();
        Console.Error.WriteLine("load: the signed record is off in this database (log trigger disabled, evidence rows discarded)");
    }
}
