using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Signing.Server;
using Signing.Server.Auth;
using Signing.TestKit;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>
/// The real server composition (ServerSetup) on a fresh PostgreSQL database of its own, configured as the build starts it:
/// appsettings.json plus the hsm-sim world's server.json (trust, officers, server token). In-process (TestServer handler) by default; <see cref="LiveSigningServer"/> runs it on
/// real Kestrel sockets. Logs are captured so tests can assert what the server wrote (no stack traces, no full TCKN).
/// </summary>
public class SigningServer : IAsyncLifetime
{
    public const string SystemKey = "test-system-key-0123456789";

    /// <summary>The bearer-token key, configured (not random) so a test can mint a token the server would have issued.</summary>
    public static readonly string TokenKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Extra directorates, so each test can have its own (one open renewal per TCKN per tenant).</summary>
    public const int ScratchTenants = 40;

    /// <summary>
    /// The scratch directorates' plate codes, counting down from 81 ("81".."42"): provinces no test names otherwise, each
    /// configured only with what a deployment sets per province (SyntheticProvinces), so the defaults give the rest (780 TL,
    /// one approval, the catalog's name). Their fee account is <see cref="Signing.Bench.Shared.SyntheticProvinces.Iban"/>.
    /// </summary>
    public static readonly IReadOnlyList<string> ScratchCodes =
        Enumerable.Range(0, ScratchTenants).Select(i => (81 - i).ToString("00", System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>A province's plate code that no fixture configures: a form for it names a directorate the server does not serve.</summary>
    public const string NotServed = "34";

    private readonly PostgresFixture _database;
    private readonly bool _ownsDatabase = true;
    private int _nextTenant;

    public SigningServer() => _database = new PostgresFixture();

    /// <summary>Another node of <paramref name="first"/>'s deployment: the same database (not migrated again), its own host and ports.</summary>
    protected SigningServer(SigningServer first)
    {
        _database = first._database;
        _ownsDatabase = false;
    }

    /// <summary>This server's database (admin, owner and runtime connection strings).</summary>
    public PostgresFixture Database => _database;

    protected WebApplication? App { get; private set; }
    public GrpcChannel Channel { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();
    public string ConnectionString => _database.ConnectionString;
    public WorldManifestAccess World { get; } = new();

    protected virtual bool Live => false;
    public int GrpcPort { get; } = FreeLoopbackPort();
    public int RestPort { get; } = FreeLoopbackPort();

    /// <summary>A directorate no other test of this fixture uses (from <see cref="ScratchCodes"/>): fee 780 TL, one approval, no officers.</summary>
    public string NewTenant()
    {
        var n = Interlocked.Increment(ref _nextTenant);
        if (n > ScratchTenants)
            throw new InvalidOperationException($"more than {ScratchTenants} scratch tenants used in one fixture; raise ScratchTenants");
        return ScratchCodes[n - 1];
    }

    public async Task InitializeAsync()
    {
        if (_ownsDatabase)
            await _database.InitializeAsync();
        // SoftHSM reads its configuration once, when the module loads: point it at the hsm-sim world first.
        Signing.HsmSim.SoftHsmEnvironment.EnsureConf(World.Manifest.SoftHsm2Conf);
        // The receipt key's PIN comes from the environment, as in production (the same value for every fixture).
        Environment.SetEnvironmentVariable("SIGNING_SERVER_PIN", World.Manifest.Persona("server-mersin").UserPin);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddJsonFile(Path.Combine(LocalWorld.RepositoryRoot, "src/Signing.Server/appsettings.json"), optional: false);
        builder.Configuration.AddInMemoryCollection(Settings());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (!Live)
            builder.WebHost.UseTestServer();
        builder.ConfigureSigningServer();
        ConfigureServices(builder.Services);
        App = builder.Build();
        App.MapSigningServer();
        await App.StartAsync();
        Channel = Live
            ? CreateLiveChannel()
            : GrpcChannel.ForAddress("http://in-process", new GrpcChannelOptions { HttpHandler = App.GetTestServer().CreateHandler() });
    }

    protected virtual GrpcChannel CreateLiveChannel() => GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");

    /// <summary>Replaces or adds services after the server's own (a variant's clock, …): the last registration wins.</summary>
    protected virtual void ConfigureServices(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
    }

    /// <summary>More settings for a fixture variant (TLS, …).</summary>
    protected virtual void AddSettings(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Provinces a fixture variant serves beyond the shipped two and <see cref="ScratchCodes"/>.</summary>
    protected virtual IEnumerable<string> MoreTenants => [];

    /// <summary>The settings that add <paramref name="codes"/> as tenants; a variant may leave fields to Signing:TenantDefaults.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> TenantSettings(IEnumerable<string> codes) =>
        Signing.Bench.Shared.SyntheticProvinces.Settings(codes);

    private Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["SIGNING_DB"] = ConnectionString,
            // The world's server configuration (trust file, officers, server token), as the build passes it to the server.
            [ServerSetup.ConfigFileVariable] = LocalWorld.ServerConfigPath,
            ["Signing:GrpcPort"] = GrpcPort.ToString(),
            ["Signing:RestPort"] = RestPort.ToString(),
            ["Signing:Auth:SystemKeys:tests"] = SystemKey,
            ["Signing:Auth:SystemClients:tests:Tenants:0"] = SystemScopes.AllTenants,
            ["Signing:Auth:TokenKey"] = TokenKey,
        };
        // The tests' own system client stands for every system a test plays (portal, courier, Kamu SM feed): it may do everything.
        for (var i = 0; i < SystemScopes.All.Count; i++)
            settings[$"Signing:Auth:SystemClients:tests:Scopes:{i}"] = SystemScopes.All[i];
        AddSettings(settings);
        // Appended after the shipped tenants' indexes; a code listed twice (a variant's and a scratch one) is configured once.
        foreach (var (key, value) in TenantSettings(ScratchCodes.Concat(MoreTenants)))
            settings[key] = value;
        return settings;
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        if (_ownsDatabase)
            await _database.DisposeAsync();
    }

    private static int FreeLoopbackPort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();

    public Metadata SystemHeaders() => new() { { "x-api-key", SystemKey } };
}

/// <summary>The same server on real Kestrel sockets: h2c gRPC and HTTP/1.1 REST on loopback.</summary>
public sealed class LiveSigningServer : SigningServer
{
    public LiveSigningServer()
    {
    }

    /// <summary>A second node on <paramref name="first"/>'s database (start it after the first: that one makes the database).</summary>
    internal LiveSigningServer(SigningServer first) : base(first)
    {
    }

    protected override bool Live => true;
}

/// <summary>Two server nodes on one PostgreSQL database, each on its own Kestrel sockets, as a scaled-out deployment runs them.</summary>
public sealed class TwoNodes : IAsyncLifetime
{
    public LiveSigningServer A { get; } = new();
    public LiveSigningServer B { get; }

    public TwoNodes() => B = new LiveSigningServer(A);

    public async Task InitializeAsync()
    {
        await A.InitializeAsync();
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

public sealed class WorldManifestAccess
{
    public Signing.HsmSim.WorldManifest Manifest { get; } = LocalWorld.LoadManifest();
}

/// <summary>
/// Every log line the server wrote, with its exception if any. When <see cref="FileVariable"/> names a file (the build's
/// Test target sets it), every line is also appended there, so the log of a whole test run can be searched afterwards.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public const string FileVariable = "SIGNING_TEST_SERVER_LOG";

    private static readonly Lazy<StreamWriter?> RunLog = new(OpenRunLog);

    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private void Add(LogLevel level, string category, string message, Exception? exception)
    {
        Entries.Enqueue((level, category, message, exception));
        if (RunLog.Value is not { } log)
            return;
        var line = $"{DateTimeOffset.UtcNow:O} {level} {category}: {message}" + (exception is null ? "" : Environment.NewLine + exception);
        lock (log)
            log.WriteLine(line);
    }

    /// <summary>Shared with other test processes of the same run: append-only, writes shared, flushed per line.</summary>
    private static StreamWriter? OpenRunLog()
    {
        if (Environment.GetEnvironmentVariable(FileVariable) is not { Length: > 0 } path)
            return null;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        return new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(logLevel, category, formatter(state, exception), exception);
    }
}
