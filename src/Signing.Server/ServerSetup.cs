using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Signing.Desk;
using Signing.Server.Auth;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Hosting;
using Signing.Server.Logging;
using Signing.Server.Limits;
using Signing.Server.Log;
using Signing.Server.Queue;
using Signing.Server.Receipts;
using Signing.Server.Reminders;
using Signing.Server.Revocation;
using Signing.Server.Roster;
using Signing.Server.Services;
using Signing.Server.Telemetry;
using Signing.Store;

namespace Signing.Server;

/// <summary>One place where the host is composed, so Program.cs and the tests build the same server.</summary>
public static class ServerSetup
{
    /// <summary>Default gRPC port (h2c on loopback).</summary>
    public const int DefaultGrpcPort = 5080;
    /// <summary>Default REST port (JSON transcoding over HTTP/1.1 on loopback).</summary>
    public const int DefaultRestPort = 5081;
    /// <summary>Forms are tens of KB; a scanned receipt may be a few hundred. Anything above is refused with RESOURCE_EXHAUSTED.</summary>
    public const int DefaultMaxMessageBytes = 1024 * 1024;

    /// <summary>The health service (gRPC) and path (REST, /health/live) that only says the process serves requests.</summary>
    public const string LiveService = "live";
    /// <summary>The health service (gRPC) and path (REST, /health/ready) that says PostgreSQL, the token and revocation are usable.</summary>
    public const string ReadyService = "ready";

    /// <summary>The environment variable naming one more JSON configuration file (read after appsettings.json).</summary>
    public const string ConfigFileVariable = "SIGNING_CONFIG";

    public static WebApplicationBuilder ConfigureSigningServer(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        AddConfigFile(configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var server = kestrel.ApplicationServices.GetRequiredService<IOptions<ServerOptions>>().Value;
            var tls = kestrel.ApplicationServices.GetRequiredService<IOptions<TlsOptions>>().Value;
            var pinned = kestrel.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value.PinnedCertificates().Count > 0;
            var address = System.Net.IPAddress.Parse(server.ListenAddress);
            // With TLS configured both ports use it: a plain REST port beside a TLS gRPC port would carry the same bearer
            // tokens and system keys in clear text.
            void Secure(ListenOptions o)
            {
                if (tls.CertificateFile is not { Length: > 0 } pfx)
                    return;
                o.UseHttps(pfx, tls.CertificatePassword, https =>
                {
                    // mTLS for system clients: a certificate is asked for when some are pinned (Signing:Auth:SystemCertificates);
                    // the pin is the trust decision, so no chain to a public CA is required of them (their validity
                    // period is still checked, by the Authenticator).
                    https.ClientCertificateMode = tls.RequireClientCertificate ? ClientCertificateMode.RequireCertificate
                        : pinned ? ClientCertificateMode.AllowCertificate
                        : ClientCertificateMode.NoCertificate;
                    if (pinned)
                        https.ClientCertificateValidation = (_, _, _) => true;
                });
            }
            // Without TLS, Http1AndHttp2 serves only HTTP/1.1: the gRPC port must be HTTP/2 only (h2c).
            kestrel.Listen(address, server.GrpcPort, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                Secure(o);
            });
            if (server.RestPort > 0)
                kestrel.Listen(address, server.RestPort, o =>
                {
                    o.Protocols = HttpProtocols.Http1;
                    Secure(o);
                });
        });

        var database = DatabaseSetting.From(configuration);
        var services = builder.Services;
        services.AddTcknRedaction();
        services.AddSigningOptions(configuration);
        services.AddSingleton(database);
        services.AddSingleton<StartupChecks>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupChecks>());
        services.AddSigningStore(database.ConnectionString);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => TenantCatalog.From(sp.GetRequiredService<IOptions<TenantsOptions>>().Value));
        services.AddSingleton<Trust>();
        services.AddSigningRevocation(configuration, database.ConnectionString);
        services.AddSingleton(sp => new SessionTokens(sp.GetRequiredService<IOptions<AuthOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSigningLimits();
        // A pool of its own: sign-in must not queue behind submissions for a connection of Marten's.
        services.AddSingleton(sp => new ChallengeStore(NpgsqlDataSource.Create(database.ConnectionString), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<RateLimitOptions>>().Value.ChallengesPerAddress));
        services.AddHostedService<ChallengeSweeper>();
        // Renewal reminders by e-mail, for the tenants with SMTP settings.
        services.AddSigningReminders();
        services.AddSingleton<Authenticator>();
        services.AddSingleton(sp => new ReceiptSigner(sp.GetRequiredService<IOptions<ServerKeyOptions>>(), sp.GetRequiredService<IOptions<ReceiptOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<Signing.Revocation.RevocationFetchOptions>>().Value.TsaUrl is null ? null : sp.GetRequiredService<Signing.Revocation.TimestampClient>(),
            sp.GetRequiredService<ILogger<ReceiptSigner>>()));
        // The log's checkpoints, signed with the receipt key (after StartupChecks has logged the token in).
        services.AddLogOptions(configuration);
        services.AddSingleton<Checkpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<Checkpointer>());
        // WatchQueue: every node listens to PostgreSQL's notifications of committed writes and feeds its own watchers.
        services.AddSingleton<QueueFeed>();
        services.AddSingleton<QueueListener>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueListener>());
        services.AddSingleton<Applications>();
        services.AddSingleton<EvidenceReader>();
        services.AddSigningRoster(configuration);
        services.AddSigningDesk(configuration);
        // Group commit (default): submissions arriving together share a transaction; each caller is answered after the
        // commit. Off = one transaction per submission.
        services.AddSingleton<IRenewalSubmitter>(sp => sp.GetRequiredService<IOptions<GroupCommitSwitch>>().Value.Enabled
            ? new GroupCommitSubmitter(sp.GetRequiredService<ApplicationStore>(),
                sp.GetRequiredService<IOptions<GroupCommitOptions>>().Value, sp.GetRequiredService<ILoggerFactory>().CreateLogger<GroupCommitSubmitter>(),
                sp.GetRequiredService<SigningMetrics>().BatchSizes)
            : sp.GetRequiredService<ApplicationStore>());
        services.AddSigningTelemetry(configuration);
        services.AddSigningShutdown(configuration);
        services.AddSingleton<IErrorTranslator, TokenErrorTranslator>();
        services.AddSingleton<IErrorTranslator, OverloadErrorTranslator>();
        services.AddSingleton<IErrorTranslator, DatabaseErrorTranslator>();
        services.AddSingleton(sp => new RequestLimits(sp.GetRequiredService<IOptions<ServerOptions>>().Value.MaxMessageBytes));

        services.AddGrpc(o =>
        {
            // Outermost: a refused call costs no more than the refusal.
            o.Interceptors.Add<RateLimitInterceptor>();
            o.Interceptors.Add<ErrorInterceptor>();
            o.EnableDetailedErrors = false;
        }).AddJsonTranscoding(o =>
            // REST errors carry the same google.rpc details as gRPC ones; the JSON writer must know their types.
            o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.ErrorInfo.Descriptor,
                Google.Rpc.LocalizedMessage.Descriptor, Google.Rpc.BadRequest.Descriptor, Google.Rpc.PreconditionFailure.Descriptor,
                Google.Rpc.RetryInfo.Descriptor));
        // The transport refuses the absurd; the interceptor refuses the merely too large, with details.
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ServerOptions>>((o, server) =>
            o.MaxReceiveMessageSize = server.Value.MaxMessageBytes * 4);
        services.AddGrpcReflection();
        services.AddSingleton<DatabaseHealthCheck>();
        services.AddGrpcHealthChecks(o =>
            {
                // "" = everything; each part can also be asked for by name; "live" and "ready" as on the REST port.
                o.Services.Map("postgresql", r => r.Name == "postgresql");
                o.Services.Map("server-hsm-token", r => r.Name == "server-hsm-token");
                o.Services.Map("revocation", r => r.Name == "revocation");
                o.Services.Map(LiveService, r => r.Tags.Contains(LiveService));
                o.Services.Map(ReadyService, r => r.Tags.Contains(ReadyService));
            })
            // Answers as long as the process serves requests: gRPC health reports a service with no check as UNKNOWN.
            .AddCheck("process", () => HealthCheckResult.Healthy(), tags: [LiveService])
            .AddCheck<DatabaseHealthCheck>("postgresql", tags: [ReadyService])
            .AddCheck<ServerKeyHealthCheck>("server-hsm-token", tags: [ReadyService])
            .AddCheck<RevocationHealthCheck>("revocation", tags: [ReadyService]);
        return builder;
    }

    /// <summary>
    /// The file named by SIGNING_CONFIG joins the configuration right after appsettings.json, so environment variables
    /// and the command line still override it.
    /// </summary>
    internal static void AddConfigFile(ConfigurationManager configuration)
    {
        if (configuration[ConfigFileVariable] is not { Length: > 0 } path)
            return;
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new StartupException(StartupFailure.FileUnreadable,
                $"{ConfigFileVariable}: file {full} does not exist; correct {ConfigFileVariable} or create the file");
        var sources = configuration.Sources;
        var afterAppSettings = sources.Select((s, i) => (s, i))
            .LastOrDefault(x => x.s is JsonConfigurationSource { Path: { } p } && p.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase)).i;
        var source = new JsonConfigurationSource { Path = full, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        try
        {
            sources.Insert(afterAppSettings + 1, source);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException(StartupFailure.FileUnreadable,
                $"{ConfigFileVariable}: file {full} is not a readable JSON configuration file ({e.Message.ReplaceLineEndings(" ")}); correct it");
        }
    }

    public static WebApplication MapSigningServer(this WebApplication app)
    {
        app.UseSigningLimits();
        app.UseMiddleware<RequestFrameCheck>();
        app.MapGrpcService<CertificateServiceImpl>();
        app.MapGrpcService<SessionServiceImpl>();
        app.MapGrpcService<ApplicationServiceImpl>();
        app.MapGrpcService<ApprovalServiceImpl>();
        app.MapGrpcService<DeliveryServiceImpl>();
        app.MapGrpcService<ExpiryServiceImpl>();
        app.MapGrpcService<LogServiceImpl>();
        app.MapGrpcService<RosterServiceImpl>();
        app.MapGrpcHealthChecksService();
        // Kubernetes probes speak HTTP/1.1: the REST port answers them. Liveness depends on nothing outside, so a database or
        // token outage never gets a node restarted (its one check, "process", touches nothing); readiness takes the node
        // out of the load balancer instead.
        app.MapHealthChecks("/health/" + LiveService, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveService),
            ResponseWriter = HealthJson.WriteAsync,
        });
        app.MapHealthChecks("/health/" + ReadyService, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyService),
            ResponseWriter = HealthJson.WriteAsync,
        });
        app.MapGrpcReflectionService();
        app.MapSigningTelemetry();
        app.MapSigningDesk(app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.RestPort);
        return app;
    }
}
