using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Signing.Server.Configuration;
using Signing.Server.Receipts;

namespace Signing.Server;

/// <summary>
/// PostgreSQL answers a query within a few seconds. Its own small pool and short timeouts: a frozen server must turn the
/// probe unhealthy, not hang it (Npgsql's command timeout sends a cancel request, and when that is not answered either,
/// the cancellation timeout breaks the connection).
/// </summary>
public sealed class DatabaseHealthCheck : IHealthCheck, IAsyncDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);
    private readonly NpgsqlDataSource _source;

    public DatabaseHealthCheck(DatabaseSetting database)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Timeout = (int)Limit.TotalSeconds,
            CommandTimeout = (int)Limit.TotalSeconds,
            CancellationTimeout = 1000,
            MaxPoolSize = 2,
            ApplicationName = "signing-health",
        };
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit + TimeSpan.FromSeconds(1));
        try
        {
            await using var command = _source.CreateCommand("select 1");
            await command.ExecuteScalarAsync(limit.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or System.IO.IOException)
        {
            return HealthCheckResult.Unhealthy("database unreachable: " + (e is OperationCanceledException ? $"no answer within {Limit.TotalSeconds:0} s" : e.Message));
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}

/// <summary>The receipt key must be usable, or no submission can be acknowledged: a real PKCS#11 call, cached a few seconds.</summary>
public sealed class ServerKeyHealthCheck(ReceiptSigner signer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await signer.ProbeAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy($"token {signer.TokenLabel}: {problem}")
            : HealthCheckResult.Healthy($"token {signer.TokenLabel} logged in");
}

/// <summary>A small JSON body for the HTTP probes: the overall status and each part's, with the failing parts' reasons.</summary>
internal static class HealthJson
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Status == HealthStatus.Healthy ? null : e.Value.Description,
            }),
        };
        return context.Response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(body));
    }
}
