using Signing.Server.Configuration;
using Signing.Server.Receipts;
using Signing.Store;

namespace Signing.Server.Hosting;

/// <summary>
/// What SIGTERM does. The host stops its parts in the reverse order of their start: first Kestrel (no new connections,
/// GOAWAY on open ones so new calls go elsewhere, in-flight calls run to their end for at most
/// <see cref="ShutdownSecondsKey"/>), then <see cref="SubmissionDrain"/> (whatever is still queued for a group commit or
/// a receipt signature), then the Checkpointer's final checkpoint, which so covers every commit of this node.
/// </summary>
public static class GracefulShutdown
{
    public const string ShutdownSecondsKey = "Signing:ShutdownSeconds";
    public const int DefaultShutdownSeconds = 30;

    /// <summary>Registered after the Checkpointer, so that it is stopped before it.</summary>
    public static IServiceCollection AddSigningShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        var seconds = configuration.GetValue(ShutdownSecondsKey, DefaultShutdownSeconds);
        if (seconds < 1)
            throw new StartupException(StartupFailure.InvalidSetting, $"{ShutdownSecondsKey} must be at least 1 (was {seconds})");
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(seconds));
        services.AddHostedService<SubmissionDrain>();
        return services;
    }
}

/// <summary>
/// At stop: waits until every submission already queued is committed and every receipt already asked for is signed. Both
/// would also drain when the container disposes them, but only after the final checkpoint; here they drain before it.
/// </summary>
public sealed class SubmissionDrain(IRenewalSubmitter submitter, ReceiptSigner receipts, ILogger<SubmissionDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (submitter is IAsyncDisposable batches)
                await batches.DisposeAsync().AsTask().WaitAsync(cancellationToken);
            await receipts.DisposeAsync().AsTask().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("shutdown time ran out before every queued submission and receipt was finished; those callers were not answered "
                + "and their retries with the same request id find what was stored");
        }
    }
}
