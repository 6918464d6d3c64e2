using Npgsql;
using NpgsqlTypes;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>
/// The revocation cache every node shares (tables of <see cref="RevocationTables"/>). An upsert never replaces newer
/// data with older: the row's own comparison decides inside PostgreSQL, so two nodes writing at once cannot go back in
/// time whatever order their statements land in. Reading compares hashes first and fetches only the DER that changed.
/// </summary>
public sealed class PostgresRevocationStore(NpgsqlDataSource dataSource, string schema = RevocationTables.DefaultSchema)
{
    private readonly string _ocsp = schema + "." + RevocationTables.Ocsp;
    private readonly string _crls = schema + "." + RevocationTables.Crls;

    /// <summary>Stores an OCSP answer unless the row holds a newer one (later thisUpdate, or the same and produced later). True when written.</summary>
    public async Task<bool> PutOcspAsync(OcspEntry entry, CancellationToken ct)
    {
        var sql = $"""
            insert into {_ocsp} as o (cert_key, url, der, sha256, produced_at, this_update, next_update, fetched_at)
            values ($1, $2, $3, $4, $5, $6, $7, now())
            on conflict (cert_key) do update set url = excluded.url, der = excluded.der, sha256 = excluded.sha256,
                produced_at = excluded.produced_at, this_update = excluded.this_update, next_update = excluded.next_update,
                fetched_at = excluded.fetched_at
            where (o.this_update, coalesce(o.produced_at, '-infinity')) < (excluded.this_update, coalesce(excluded.produced_at, '-infinity'))
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.Url ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Response.Der });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Response.Sha256 });
        command.Parameters.Add(Time(entry.Response.ProducedAt));
        command.Parameters.Add(Time(entry.ThisUpdate));
        command.Parameters.Add(Time(entry.NextUpdate));
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Stores a CRL unless the row of its scope holds a newer one (higher number, or the same and issued later). True when written.</summary>
    public async Task<bool> PutCrlAsync(ParsedCrl crl, string? url, CancellationToken ct)
    {
        var sql = $"""
            insert into {_crls} as c (scope, issuer, url, crl_number, der, sha256, this_update, next_update, fetched_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, now())
            on conflict (scope) do update set issuer = excluded.issuer, url = excluded.url, crl_number = excluded.crl_number,
                der = excluded.der, sha256 = excluded.sha256, this_update = excluded.this_update,
                next_update = excluded.next_update, fetched_at = excluded.fetched_at
            where (coalesce(c.crl_number, -1), c.this_update) < (coalesce(excluded.crl_number, -1), excluded.this_update)
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = MemoryRevocationSource.CrlScope(crl) });
        command.Parameters.Add(new NpgsqlParameter { Value = crl.Issuer.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)url ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = crl.CrlNumber is { } n ? decimal.Parse(n.ToString(), System.Globalization.CultureInfo.InvariantCulture) : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Numeric,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = crl.Der });
        command.Parameters.Add(new NpgsqlParameter { Value = crl.Sha256 });
        command.Parameters.Add(Time(crl.ThisUpdate));
        command.Parameters.Add(Time(crl.NextUpdate));
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>
    /// Brings <paramref name="source"/> up to what the database holds: reads every row's hash, fetches the DER of rows
    /// the source does not hold, and adds them (the source keeps the newer of two). Returns how many entries changed.
    /// </summary>
    public async Task<int> LoadIntoAsync(MemoryRevocationSource source, CancellationToken ct)
    {
        var changed = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        var wantedCrls = new List<string>();
        await using (var command = new NpgsqlCommand($"select scope, sha256 from {_crls}", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (source.FindCrl(reader.GetString(0))?.Sha256 != reader.GetString(1))
                    wantedCrls.Add(reader.GetString(0));
            }
        }
        if (wantedCrls.Count > 0)
        {
            var crls = new List<ParsedCrl>();
            await using var command = new NpgsqlCommand($"select der from {_crls} where scope = any($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = wantedCrls.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                crls.Add(ParsedCrl.From(reader.GetFieldValue<byte[]>(0)));
            changed += source.AddCrls(crls);
        }

        var wantedOcsp = new List<string>();
        await using (var command = new NpgsqlCommand($"select cert_key, sha256 from {_ocsp}", connection))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                if (source.FindOcspEntry(reader.GetString(0))?.Response.Sha256 != reader.GetString(1))
                    wantedOcsp.Add(reader.GetString(0));
            }
        }
        if (wantedOcsp.Count > 0)
        {
            await using var command = new NpgsqlCommand($"select cert_key, url, der, this_update, next_update from {_ocsp} where cert_key = any($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = wantedOcsp.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var entry = new OcspEntry(reader.GetString(0), ParsedOcspResponse.From(reader.GetFieldValue<byte[]>(2)),
                    reader.GetFieldValue<DateTime>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTime>(4),
                    reader.IsDBNull(1) ? null : reader.GetString(1));
                if (source.AddOcsp(entry))
                    changed++;
            }
        }
        return changed;
    }

    private static NpgsqlParameter Time(DateTime? value) => new()
    {
        Value = value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : DBNull.Value,
        NpgsqlDbType = NpgsqlDbType.TimestampTz,
    };
}
