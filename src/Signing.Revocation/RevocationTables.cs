using Npgsql;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Signing.Revocation;

/// <summary>
/// The shared revocation cache's tables: every node reads and writes them, so one node's download serves all. Rows are
/// replaced only by newer data (see <see cref="PostgresRevocationStore"/>). Declared as Weasel tables so the store's
/// migration creates and changes them with the rest of the schema.
/// </summary>
public static class RevocationTables
{
    public const string DefaultSchema = "signing";
    public const string Ocsp = "revocation_ocsp", Crls = "revocation_crls";

    /// <summary>The table definitions, for <c>StoreOptions.Storage.ExtendedSchemaObjects</c>.</summary>
    public static IEnumerable<Table> Definitions(string schema = DefaultSchema)
    {
        var ocsp = New(schema, Ocsp);
        // OcspKeys.For: issuer key SHA-1 and serial, hex.
        ocsp.AddColumn<string>("cert_key").AsPrimaryKey();
        ocsp.AddColumn<string>("url");
        ocsp.AddColumn("der", "bytea").NotNull();
        ocsp.AddColumn<string>("sha256").NotNull();
        ocsp.AddColumn("produced_at", "timestamptz");
        ocsp.AddColumn("this_update", "timestamptz").NotNull();
        ocsp.AddColumn("next_update", "timestamptz");
        ocsp.AddColumn("fetched_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return ocsp;

        var crls = New(schema, Crls);
        // MemoryRevocationSource.CrlScope: issuer, issuingDistributionPoint and complete/delta.
        crls.AddColumn<string>("scope").AsPrimaryKey();
        crls.AddColumn<string>("issuer").NotNull();
        crls.AddColumn<string>("url");
        crls.AddColumn("crl_number", "numeric");
        crls.AddColumn("der", "bytea").NotNull();
        crls.AddColumn<string>("sha256").NotNull();
        crls.AddColumn("this_update", "timestamptz").NotNull();
        crls.AddColumn("next_update", "timestamptz");
        crls.AddColumn("fetched_at", "timestamptz").NotNull().DefaultValueByExpression("now()");
        yield return crls;
    }

    /// <summary>
    /// Creates (or brings up to date) the tables on a connection of the schema's owner and lets <paramref name="runtimeRole"/>
    /// read and write them: for a deployment not migrated through the store, and for tests on a database of their own.
    /// </summary>
    public static async Task CreateAsync(NpgsqlConnection ownerConnection, string runtimeRole, string schema = DefaultSchema, CancellationToken ct = default)
    {
        var migrator = new PostgresqlMigrator();
        var writer = new StringWriter();
        writer.WriteLine($"create schema if not exists {schema};");
        foreach (var table in Definitions(schema))
        {
            var delta = await table.FindDeltaAsync(ownerConnection, ct);
            if (delta.Difference != SchemaPatchDifference.None)
                delta.WriteUpdate(migrator, writer);
            writer.WriteLine($"grant select, insert, update, delete on {table.Identifier.QualifiedName} to {new NpgsqlCommandBuilder().QuoteIdentifier(runtimeRole)};");
        }
        await using var command = new NpgsqlCommand(writer.ToString(), ownerConnection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static Table New(string schema, string name) =>
        new(new PostgresqlObjectName(schema, name, SchemaUtils.IdentifierUsage.General));
}
