using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Marten;
using Npgsql;
using Signing.Server.Receipts;
using Signing.Server.Services;
using Signing.Store;

namespace Signing.Server.Configuration;

/// <summary>
/// What the settings name must be there before the server serves: its ports free, the files (TLS certificate, trust
/// configuration, receipt chain), PostgreSQL answering with this build's schema migrated, and the server token logged in
/// with its PIN. Each failure is a
/// <see cref="StartupException"/> naming the setting, so the server stops at once instead of failing its first calls.
/// Runs in <see cref="StartingAsync"/>, before Kestrel binds; cheapest checks first,
/// so a wrong setting is reported without waiting for a token login.
/// </summary>
public sealed class StartupChecks(IServiceProvider services, IOptions<ServerOptions> server, IOptions<TlsOptions> tls,
    IOptions<ServerKeyOptions> serverKey, DatabaseSetting database) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IServer>()?.GetType().Assembly == typeof(KestrelServerOptions).Assembly)
            CheckPortsFree(server.Value);
        CheckTlsCertificate(tls.Value);
        _ = services.GetRequiredService<Trust>();
        _ = services.GetRequiredService<TenantCatalog>();
        CheckPinSet(serverKey.Value);
        await CheckDatabaseAsync(cancellationToken);
        CheckServerToken(serverKey.Value, services.GetRequiredService<ReceiptSigner>());
    }

    /// <summary>
    /// Kestrel would find a taken port only after the token login; the same bind, tried here
    /// and released, reports it first. Kestrel's own failure is still reported the same way if the port is taken between.
    /// </summary>
    private static void CheckPortsFree(ServerOptions options)
    {
        var address = IPAddress.Parse(options.ListenAddress);
        foreach (var (setting, port) in new[] { ("Signing:GrpcPort", options.GrpcPort), ("Signing:RestPort", options.RestPort) })
        {
            if (port == 0)
                continue;
            try
            {
                using var listener = new TcpListener(address, port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new StartupException(StartupFailure.PortInUse, StartupFailures.PortInUseLine(options.ListenAddress, port, setting), e);
            }
        }
    }

    private static void CheckTlsCertificate(TlsOptions options)
    {
        if (string.IsNullOrEmpty(options.CertificateFile))
            return;
        try
        {
            using var _ = X509CertificateLoader.LoadPkcs12FromFile(options.CertificateFile, options.CertificatePassword);
        }
        catch (Exception e) when (StartupException.IsFileProblem(e))
        {
            throw StartupException.ForFile("Signing:Tls:CertificateFile", options.CertificateFile, e);
        }
    }

    private static void CheckPinSet(ServerKeyOptions options)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(options.PinEnvironmentVariable)))
            throw new StartupException(StartupFailure.ServerTokenUnavailable,
                $"the PIN of the server token '{options.Token}' is not set: set the environment variable {options.PinEnvironmentVariable} " +
                "(named by Signing:ServerKey:PinEnvironmentVariable)");
    }

    private static void CheckServerToken(ServerKeyOptions options, ReceiptSigner signer)
    {
        if (!signer.IsReady(out var problem))
            throw new StartupException(StartupFailure.ServerTokenUnavailable,
                $"the server token '{options.Token}' (Signing:ServerKey:Token) cannot be used: {problem}; " +
                $"check that the token is present and {options.PinEnvironmentVariable} holds its PIN");
    }

    private async Task CheckDatabaseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new StartupException(StartupFailure.DatabaseUnreachable,
                $"PostgreSQL at {database.Describe()} cannot be reached ({e.Message.ReplaceLineEndings(" ")}); " +
                $"start it or correct {database.Setting}", e);
        }
        // The server may not change the schema (its role has no right to): the migrate step must have run for this build.
        var state = await SigningStore.SchemaStateAsync(services.GetRequiredService<IDocumentStore>(), cancellationToken);
        if (state != SchemaState.Current)
            throw new StartupException(StartupFailure.InvalidSetting,
                $"the database {database.Describe()} " + (state == SchemaState.Missing ? "has no Signing schema" : "holds the schema of another build") +
                $": run `Signing.Server {MigrateCommand.Name}` first (as the schema's owner, {MigrateCommand.OwnerVariable}; README \"Database roles\")");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The PostgreSQL connection string and the setting it came from (SIGNING_DB, else ConnectionStrings:Signing). Read when
/// the services are composed: the store is configured with it there.
/// </summary>
public sealed class DatabaseSetting
{
    private DatabaseSetting(string setting, string connectionString, NpgsqlConnectionStringBuilder parsed)
    {
        Setting = setting;
        ConnectionString = connectionString;
        _parsed = parsed;
    }

    private readonly NpgsqlConnectionStringBuilder _parsed;

    public string Setting { get; }
    public string ConnectionString { get; }

    /// <summary>Host, port and database, never the password.</summary>
    public string Describe() => $"{_parsed.Host}:{_parsed.Port}/{_parsed.Database}";

    public static DatabaseSetting From(IConfiguration configuration)
    {
        var (setting, value) = configuration["SIGNING_DB"] is { Length: > 0 } db ? ("SIGNING_DB", db)
            : configuration.GetConnectionString("Signing") is { Length: > 0 } named ? ("ConnectionStrings:Signing", named)
            : throw new StartupException(StartupFailure.InvalidSetting,
                "no database configured: set SIGNING_DB (or ConnectionStrings:Signing) to an Npgsql connection string");
        return Parse(setting, value);
    }

    /// <summary>The connection string <paramref name="value"/> of <paramref name="setting"/>, checked to name a host.</summary>
    public static DatabaseSetting Parse(string setting, string value)
    {
        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(parsed.Host))
                throw new ArgumentException("it names no Host");
            return new DatabaseSetting(setting, value, parsed);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // The value may hold a password: only the parser's complaint is shown.
            throw new StartupException(StartupFailure.InvalidSetting,
                $"{setting} is not a valid Npgsql connection string ({e.Message.ReplaceLineEndings(" ")}); write it as Host=…;Port=…;Database=…;Username=…;Password=…", e);
        }
    }
}
