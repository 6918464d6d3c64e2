using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Signing.Demo;
using Signing.HsmSim;
using Signing.TestKit;

namespace Signing.Demo.Tests;

/// <summary>The real server as a child process on a fresh database, and Mersin's officer signed in with `esign login` on their card.</summary>
public sealed class RosterDeskFixture : IAsyncLifetime
{
    private readonly PostgresFixture _database = new();
    private ServerProcess? _server;

    public EsignRunner Esign { get; private set; } = null!;
    public string Work { get; } = Directory.CreateTempSubdirectory("signing-roster-cli-").FullName;
    public Dictionary<string, string> Officer { get; } = [];
    public string ServerLog => _server?.Log ?? "";

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        LocalWorld.EnsureBuilt("HsmSim", () => File.Exists(LocalWorld.ManifestPath) && File.Exists(LocalWorld.ServerConfigPath));
        var world = WorldManifest.Load(LocalWorld.ManifestPath);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var serverDll = Path.Combine(LocalWorld.RepositoryRoot, "src", "Signing.Server", "bin", configuration, "net10.0", "Signing.Server.dll");
        var esignDll = Path.Combine(LocalWorld.RepositoryRoot, "src", "Signing.Cli", "bin", configuration, "net10.0", "esign.dll");
        _server = await ServerProcess.StartAsync(serverDll, new Dictionary<string, string>
        {
            ["SIGNING_DB"] = _database.ConnectionString,
            ["SOFTHSM2_CONF"] = world.SoftHsm2Conf,
            ["SIGNING_CONFIG"] = LocalWorld.ServerConfigPath,
            ["SIGNING_REPO"] = LocalWorld.RepositoryRoot,
            ["SIGNING_SERVER_PIN"] = world.Persona("server-mersin").UserPin,
        }, TimeSpan.FromSeconds(90)); // generous: the whole test run shares 2 cores
        Esign = new EsignRunner(esignDll, new Dictionary<string, string>
        {
            ["ESIGN_SERVER"] = _server.Address,
            ["SOFTHSM2_CONF"] = world.SoftHsm2Conf,
            ["SIGNING_PKCS11_MODULE"] = world.Pkcs11Module,
            ["NO_COLOR"] = "1",
        });
        var officer = world.Persona("officer-mersin-1");
        Officer[DemoRunner.PinVariable] = officer.UserPin;
        Officer["ESIGN_PROFILE_DIR"] = Path.Combine(Work, "profile");
        var login = await Esign.RunAsync(["login", "--token", officer.TokenLabel, "--pin-env", DemoRunner.PinVariable, "--json"], Officer, Work, CancellationToken.None);
        if (login.ExitCode != 0)
            throw new InvalidOperationException($"esign login failed ({login.ExitCode}): {login.StandardError}");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>`esign roster import` end to end: a file on disk, an officer's session, the real server, the report and exit code.</summary>
public sealed class RosterImportCommandTests(RosterDeskFixture desk) : IClassFixture<RosterDeskFixture>
{
    static RosterImportCommandTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private const string Staff =
        "T.C. Kimlik No;Adı Soyadı;Kategori;Kurum;E-Posta Adresi;Cep Telefonu;Durum\r\n" +
        "12345678950;Ayşe Yılmaz;Doktor;Mersin Şehir Hastanesi;ayse@saglik.gov.tr;0532 123 45 67;Aktif\r\n" +
        "12345678951;Bozuk Numara;Doktor;Mersin Şehir Hastanesi;;;\r\n" +
        "40618273540;Gülşen Çelik;Aile Hekimi;Toroslar 3 No'lu ASM;gulsen@saglik.gov.tr;;Aktif\r\n" +
        "31945780276;Mehmet Öztürk;Başhekim;Mersin Şehir Hastanesi;;;\r\n" +
        "62739148538;Ömer Güneş;Diğer Personel;Mersin İl Sağlık Müdürlüğü;omer at saglik;;Aktif\r\n";

    private async Task<(int Exit, JsonNode? Json, string Err)> ImportAsync(string name, byte[] content, params string[] more)
    {
        var path = Path.Combine(desk.Work, name);
        await File.WriteAllBytesAsync(path, content);
        var result = await desk.Esign.RunAsync(["roster", "import", path, "--json", "--lang", "en", .. more], desk.Officer, desk.Work, CancellationToken.None);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(result.StandardOutput);
        }
        catch (JsonException)
        {
        }
        return (result.ExitCode, json, result.StandardError);
    }

    [Fact]
    public async Task A_Turkish_Excel_file_is_imported_with_its_bad_lines_reported_and_a_second_time_changes_nothing()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Staff)).ToArray();
        var (exit, json, err) = await ImportAsync("personel.csv", bytes);
        Assert.True(exit == 21, $"exit {exit}: {err}\n{desk.ServerLog}");
        Assert.Equal(5, json!["received"]!.GetValue<int>());
        Assert.Equal(2, json["added"]!.GetValue<int>());
        var refused = json["refused"]!.AsArray().Select(r => (r!["row"]!.GetValue<int>(), r["field"]!.GetValue<string>())).ToList();
        Assert.Equal([(3, "tckn"), (5, "category"), (6, "email")], refused);

        var (again, second, _) = await ImportAsync("personel.csv", bytes);
        Assert.Equal(21, again);
        Assert.Equal((0, 0, 2), (second!["added"]!.GetValue<int>(), second["changed"]!.GetValue<int>(), second["unchanged"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_Windows_1254_file_is_read_and_said_so_and_a_clean_one_exits_zero()
    {
        var clean = "TC Kimlik No;Ad;Soyad;Kategori\r\n38516947250;Şükrü;Doğan;Yönetici\r\n";
        var (exit, json, err) = await ImportAsync("ik-1254.csv", Encoding.GetEncoding(1254).GetBytes(clean));
        Assert.True(exit == 0, $"exit {exit}: {err}");
        Assert.Contains("Windows-1254", err);
        Assert.Equal(1, json!["added"]!.GetValue<int>() + json["unchanged"]!.GetValue<int>());
    }

    [Fact]
    public async Task Garbage_is_refused_before_anything_is_sent()
    {
        var (exit, json, err) = await ImportAsync("garbage.csv", [0x54, 0x43, 0x4B, 0x4E, 0x0A, 0xFF, 0x00, 0xE9, 0x80]);
        Assert.Equal(2, exit);
        Assert.Contains("not UTF-8", err);
        Assert.Contains("CSV UTF-8", err);
        Assert.Equal("roster.notUtf8", json!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_directorate_is_refused()
    {
        var (exit, _, err) = await ImportAsync("adana.csv", Encoding.UTF8.GetBytes(Staff), "--tenant", "01");
        Assert.Equal(6, exit);
        Assert.Contains("own directorate", err);
    }
}
