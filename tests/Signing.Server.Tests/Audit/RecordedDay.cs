using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Npgsql;
using Signing.Cli.Commands;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;

namespace Signing.Server.Tests.Audit;

/// <summary>
/// A realistic day at the Mersin and Adana directorates, played through the real server on its own database: an
/// e-signed doctor approved by two officers and then the courier (returned once, delivered), a manager by e-Onay
/// rejected, an e-signing family physician with the dekont attached and two approvals, a wet form in Adana with its
/// paper registered and approved. The server is then stopped (it signs a last checkpoint), and each test audits the
/// day, or a copy of it it tampers with as the schema owner.
/// </summary>
public sealed class RecordedDay : IAsyncLifetime
{
    public const string Mersin = "33", Adana = "01";

    private sealed class DayServer : SigningServer
    {
        /// <summary>Stops the host (its shutdown checkpoint included) but keeps the database for the audit.</summary>
        public Task StopHostAsync() => App!.StopAsync();
    }

    private readonly DayServer server = new();
    private readonly List<string> copies = [];

    public Application Doctor { get; private set; } = null!;
    public Application Manager { get; private set; } = null!;
    public Application FamilyPhysician { get; private set; } = null!;
    public Application Wet { get; private set; } = null!;

    /// <summary>The first approval of the doctor's application: the document the officer signed and the CMS.</summary>
    public (byte[] Document, byte[] Cms, string OfficerTckn) FirstApproval { get; private set; }

    public string DatabaseName => new NpgsqlConnectionStringBuilder(server.ConnectionString).Database!;

    public async Task InitializeAsync()
    {
        await server.InitializeAsync();
        await PlayAsync();
        await server.StopHostAsync();
        NpgsqlConnection.ClearAllPools();
    }

    private async Task PlayAsync()
    {
        var officer1 = await server.SignInAsync("officer-mersin-1");
        var officer2 = await server.SignInAsync("officer-mersin-2");
        var adana = await server.SignInAsync("officer-adana");

        var doctor = await server.SignInAsync("doctor");
        Doctor = (await server.Applications().SubmitESignedAsync(
            Cards.ESigned("doctor", Cards.Form("doctor", Mersin, ApplicantCategory.Doctor)), doctor)).Application;
        var document = await server.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = Doctor.Id, Decision = Decision.Approve }, officer1);
        var signed = Scenario.Signed("officer-mersin-1", Doctor.Id, document);
        await server.Approvals().DecideAsync(signed, officer1);
        FirstApproval = (document.Document.ToByteArray(), signed.Signature.ToByteArray(), Cards.Tckn("officer-mersin-1"));
        Assert.Equal("APPROVED", (await server.DecideAsync("officer-mersin-2", officer2, Doctor.Id, Decision.Approve)).Status);
        var courier = server.Deliveries();
        foreach (var (e, detail, tracking) in new[]
                 {
                     (DeliveryEvent.SentToKamuSm, "", ""), (DeliveryEvent.Produced, "", ""), (DeliveryEvent.Dispatched, "", "YK-123456789"),
                     (DeliveryEvent.Returned, "Adreste bulunamadı", ""), (DeliveryEvent.AddressConfirmed, "Başvuru sahibi, 444 5 576 araması", ""),
                     (DeliveryEvent.Dispatched, "", "YK-987654321"), (DeliveryEvent.Delivered, "", ""),
                 })
            Doctor = await courier.RecordAsync(new RecordDeliveryEventRequest { ApplicationId = Doctor.Id, Event = e, Detail = detail, TrackingNumber = tracking },
                server.SystemHeaders());
        Assert.Equal("DELIVERED", Doctor.Status);

        var manager = await server.SignInAsync("manager");
        var json = Cards.Json(Cards.Form("manager", Mersin, ApplicantCategory.Manager));
        Manager = (await server.Applications().SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(Cards.Tckn("manager"), Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, manager)).Application;
        Manager = await server.DecideAsync("officer-mersin-1", officer1, Manager.Id, Decision.Reject, "Kurum bilgisi eksik; formu yeniden doldurun.");
        Assert.Equal("REJECTED", Manager.Status);

        var fp = await server.SignInAsync("fp-expiring");
        FamilyPhysician = (await server.Applications().SubmitESignedAsync(
            Cards.ESigned("fp-expiring", Cards.Form("fp-expiring", Mersin, ApplicantCategory.FamilyPhysician)), fp)).Application;
        await server.Applications().AttachPaymentReceiptAsync(new AttachPaymentReceiptRequest
        {
            ApplicationId = FamilyPhysician.Id,
            Amount = new Signing.Contracts.V1.Money { Amount = "780.00", Currency = "TRY" },
            Iban = "TR41 0001 2009 5940 0005 0000 47",
            Description = "gülşen çelik 40618273540 nes 3 yıllık başvurusu",
            PaidOn = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ScannedFile = ByteString.CopyFromUtf8("%PDF-1.4 dekont"),
        }, officer1);
        await server.DecideAsync("officer-mersin-1", officer1, FamilyPhysician.Id, Decision.Approve);
        FamilyPhysician = await server.DecideAsync("officer-mersin-2", officer2, FamilyPhysician.Id, Decision.Approve);
        Assert.Equal("APPROVED", FamilyPhysician.Status);

        var wet = await server.SubmitApprovableAsync(Adana, adana);
        Wet = await server.DecideAsync("officer-adana", adana, wet.Id, Decision.Approve);
        Assert.Equal("APPROVED", Wet.Status);
    }

    /// <summary>A copy of the day (PostgreSQL's template copy) for one test to tamper with; dropped with the fixture.</summary>
    public async Task<DayCopy> CopyAsync()
    {
        var name = "audit_" + Guid.NewGuid().ToString("N")[..12];
        var owner = new NpgsqlConnectionStringBuilder(LocalWorld.Setting("SIGNING_DB_OWNER")).Username;
        // A template must have no session: the stopped server's data source may still hold idle ones.
        await AdminAsync($"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{DatabaseName}' and pid <> pg_backend_pid()");
        await AdminAsync($"create database \"{name}\" template \"{DatabaseName}\" owner \"{owner}\"");
        lock (copies)
            copies.Add(name);
        return new DayCopy(name);
    }

    public DayCopy Original => new(DatabaseName);

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var name in copies)
            await AdminAsync($"drop database if exists \"{name}\" with (force)");
        await server.DisposeAsync();
    }

    private static async Task AdminAsync(string sql)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(LocalWorld.Setting("SIGNING_DB_ADMIN"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>One database holding the day: tamper with it as the owner, audit it as the audit role.</summary>
public sealed record DayCopy(string Database)
{
    public string Owner => On("SIGNING_DB_OWNER");
    public string AuditRole => On("SIGNING_DB_AUDIT");

    private string On(string setting) => new NpgsqlConnectionStringBuilder(LocalWorld.Setting(setting)) { Database = Database }.ConnectionString;

    /// <summary>Runs SQL as the schema owner, in one transaction.</summary>
    public async Task TamperAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Owner);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Owner);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The first row's first two columns, a text and a number (read as the owner).</summary>
    public async Task<(string, long)> RowAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Owner);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no row: " + sql);
        return (reader.GetString(0), reader.GetInt64(1));
    }

    /// <summary>`esign audit verify --json` on this database as the audit role: the exit code and the report.</summary>
    public AuditRun Verify(params string[] more) => AuditRun.Of(["audit", "verify", "--database", AuditRole, .. more]);

    /// <summary>`esign audit export` of this database to <paramref name="file"/>.</summary>
    public AuditRun Export(string file) => AuditRun.Of(["audit", "export", "--database", AuditRole, "--out", file], json: false);
}

/// <summary>One run of the `esign audit` commands in this process, output captured.</summary>
public sealed record AuditRun(int Exit, string Stdout, string Stderr)
{
    public static AuditRun Of(string[] args, bool json = true)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand { AuditCommands.Create(stdout, stderr) };
        string[] full = json && args[1] == "verify" ? [.. args, "--json", "--trust", LocalWorld.TrustConfigurationPath] : args;
        var exit = root.Parse(full).Invoke();
        return new AuditRun(exit, stdout.ToString(), stderr.ToString());
    }

    public JsonElement Report => JsonDocument.Parse(Stdout).RootElement;

    public IReadOnlyList<JsonElement> Problems(string code) =>
        Report.GetProperty("problems").EnumerateArray().Where(p => p.GetProperty("code").GetString() == code).ToList();

    public override string ToString() => $"exit {Exit}\n{Stdout}\n{Stderr}";
}
