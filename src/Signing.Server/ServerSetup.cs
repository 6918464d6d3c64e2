using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Signing.Server.Auth;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Queue;
using Signing.Server.Receipts;
using Signing.Server.Services;
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

    public static WebApplicationBuilder ConfigureSigningServer(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var grpcPort = configuration.GetValue("Signing:GrpcPort", DefaultGrpcPort);
        var restPort = configuration.GetValue("Signing:RestPort", DefaultRestPort);
        var maxMessage = configuration.GetValue("Signing:MaxMessageBytes", DefaultMaxMessageBytes);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = System.Net.IPAddress.Parse(configuration["Signing:ListenAddress"] ?? "127.0.0.1");
            // Without TLS, Http1AndHttp2 serves only HTTP/1.1: the gRPC port must be HTTP/2 only (h2c).
            kestrel.Listen(address, grpcPort, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                if (configuration["Signing:Tls:CertificateFile"] is { Length: > 0 } pfx)
                    o.UseHttps(pfx, configuration["Signing:Tls:CertificatePassword"], https =>
                    {
                        // mTLS for system clients: a certificate is asked for when some are pinned (Signing:Auth:SystemCertificates);
                        // the pin is the trust decision, so no chain to a public CA is required of them.
                        var pinned = Authenticator.SystemCertificates(configuration).Count > 0;
                        https.ClientCertificateMode = configuration.GetValue("Signing:Tls:RequireClientCertificate", false)
                            ? Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate
                            : pinned ? Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate
                            : Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.NoCertificate;
                        if (pinned)
                            https.ClientCertificateValidation = (_, _, _) => true;
                    });
            });
            if (restPort > 0)
                kestrel.Listen(address, restPort, o => o.Protocols = HttpProtocols.Http1);
        });

        var connectionString = configuration["SIGNING_DB"] ?? configuration.GetConnectionString("Signing")
            ?? throw new InvalidOperationException("no database configured: set SIGNING_DB (an Npgsql connection string)");
        var services = builder.Services;
        services.AddSigningStore(connectionString);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(TenantCatalog.Load(configuration));
        services.AddSingleton<Trust>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<ChallengeStore>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<ReceiptSigner>();
        services.AddSingleton<QueueFeed>();
        services.AddSingleton<Applications>();
        // Group commit (default): submissions arriving together share a transaction; each caller is answered after the
        // commit. Off = one transaction per submission (the naive baseline the load test compares against).
        if (configuration.GetValue("Signing:GroupCommit:Enabled", true))
            services.AddSingleton<IRenewalSubmitter>(sp => new GroupCommitSubmitter(sp.GetRequiredService<Marten.IDocumentStore>(),
                sp.GetRequiredService<ApplicationStore>(),
                configuration.GetSection(GroupCommitOptions.Section).Get<GroupCommitOptions>() ?? new GroupCommitOptions(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<GroupCommitSubmitter>()));
        else
            services.AddSingleton<IRenewalSubmitter>(sp => sp.GetRequiredService<ApplicationStore>());
        services.AddSingleton<IErrorTranslator, TokenErrorTranslator>();
        services.AddSingleton<IErrorTranslator, DatabaseErrorTranslator>();
        services.AddSingleton(new RequestLimits(maxMessage));

        services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            // The transport refuses the absurd; the interceptor refuses the merely too large, with details.
            o.MaxReceiveMessageSize = maxMessage * 4;
            o.EnableDetailedErrors = false;
        }).AddJsonTranscoding(o =>
            // REST errors carry the same google.rpc details as gRPC ones; the JSON writer must know their types.
            o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.ErrorInfo.Descriptor,
                Google.Rpc.LocalizedMessage.Descriptor, Google.Rpc.BadRequest.Descriptor, Google.Rpc.PreconditionFailure.Descriptor));
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
            {
                // "" = everything; each part can also be asked for by name.
                o.Services.Map("postgresql", r => r.Name == "postgresql");
                o.Services.Map("server-hsm-token", r => r.Name == "server-hsm-token");
            })
            .AddCheck("postgresql", () => CheckDatabase(connectionString))
            .AddCheck<ServerKeyHealthCheck>("server-hsm-token");
        return builder;
    }

    public static WebApplication MapSigningServer(this WebApplication app)
    {
        app.MapGrpcService<CertificateServiceImpl>();
        app.MapGrpcService<SessionServiceImpl>();
        app.MapGrpcService<ApplicationServiceImpl>();
        app.MapGrpcService<ApprovalServiceImpl>();
        app.MapGrpcService<DeliveryServiceImpl>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    private static HealthCheckResult CheckDatabase(string connectionString)
    {
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("select 1", connection);
            command.ExecuteScalar();
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy("database unreachable: " + e.Message);
        }
    }
}

/// <summary>The receipt key must be usable, or no submission can be acknowledged.</summary>
public sealed class ServerKeyHealthCheck(ReceiptSigner signer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(signer.IsReady(out var problem)
            ? HealthCheckResult.Healthy($"token {signer.TokenLabel} logged in")
            : HealthCheckResult.Unhealthy($"token {signer.TokenLabel}: {problem}"));
}
