using Npgsql;
using Signing.TestKit;

namespace Signing.Foundation.Tests;

public sealed class PostgresTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task PostgreSQL_answers_in_the_fixture_database()
    {
        await using var connection = new NpgsqlConnection(pg.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_database(), current_setting('server_version_num')::int", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(pg.DatabaseName, reader.GetString(0));
        Assert.True(reader.GetInt32(1) >= 150000, "PostgreSQL 15 or later");
    }

    // As the owner: the runtime role (ConnectionString) may not create tables.
    [Fact]
    public async Task A_table_written_in_one_connection_is_read_in_another()
    {
        await using (var writer = new NpgsqlConnection(pg.OwnerConnectionString))
        {
            await writer.OpenAsync();
            await using var command = new NpgsqlCommand("create table probe(id int primary key, name text); insert into probe values (1, 'İl Sağlık')", writer);
            await command.ExecuteNonQueryAsync();
        }
        await using var reader = new NpgsqlConnection(pg.OwnerConnectionString);
        await reader.OpenAsync();
        await using var select = new NpgsqlCommand("select name from probe where id = 1", reader);
        Assert.Equal("İl Sağlık", await select.ExecuteScalarAsync());
    }
}
