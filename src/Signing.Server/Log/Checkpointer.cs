using System.Text;
using Microsoft.Extensions.Options;
using Signing.Record;
using Signing.Server.Receipts;
using Signing.Store;

namespace Signing.Server.Log;

/// <summary>
/// Signs the log's checkpoints: every <see cref="LogOptions.CheckpointSeconds"/> when the log has grown since the last
/// one, and once when the server stops, so every committed event is covered soon after its commit. A checkpoint is the
/// C2SP tlog-checkpoint note body (origin, size, base64 root) with a detached CAdES-BES over it made by the receipt key
/// (<see cref="ReceiptSigner.SignDetachedAsync"/>): the directorate's RSA key lives on a PKCS#11 token bound to an X.509
/// certificate, which a CMS carries and a signed-note signature line (Ed25519, no certificate) cannot.
/// Every node of a deployment runs one; nodes that sign the same size store one checkpoint between them (the store keeps
/// the first). A failure (token away, database down) is logged and tried again on the next tick: the host keeps serving.
/// </summary>
public sealed class Checkpointer(TransparencyLog log, ReceiptSigner signer, IOptions<LogOptions> options, TimeProvider clock,
    ILogger<Checkpointer> logger) : BackgroundService
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly LogOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, clock);
        try
        {
            do
            {
                await TryCheckpointAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What was committed up to now is covered before the server goes.
        await TryCheckpointAsync(cancellationToken);
    }

    private async Task TryCheckpointAsync(CancellationToken ct)
    {
        try
        {
            await CheckpointAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            logger.LogWarning("signing a log checkpoint failed ({Error}: {Message}); trying again in {Seconds} s",
                e.GetType().Name, e.Message.ReplaceLineEndings(" "), _options.CheckpointSeconds);
        }
    }

    /// <summary>
    /// The checkpoint that covers the whole log as it is now: the stored one when the log has not grown since, else a new
    /// one, signed and stored. Also what tests call instead of waiting for a tick.
    /// </summary>
    public async Task<StoredCheckpoint> CheckpointAsync(CancellationToken ct = default)
    {
        await _turn.WaitAsync(ct);
        try
        {
            var latest = await log.LatestCheckpointAsync(ct);
            if (latest is not null && latest.TreeSize >= await log.SizeAsync(ct))
                return latest;
            var (size, root) = await log.IntegrateAsync(ct);
            if (latest is not null && size <= latest.TreeSize)
                return latest;
            var note = new Signing.Record.Checkpoint(_options.Origin, size, root).Body();
            var signature = await signer.SignDetachedAsync(Encoding.UTF8.GetBytes(note), ct);
            var checkpoint = new StoredCheckpoint(size, root, note, signature, clock.GetUtcNow());
            await log.StoreCheckpointAsync(checkpoint, ct);
            // Another node may have stored its own signature of this size first: serve what the store holds.
            var stored = await log.CheckpointAsync(size, ct) ?? checkpoint;
            logger.LogInformation("log checkpoint signed: size {Size}", size);
            return stored;
        }
        finally
        {
            _turn.Release();
        }
    }
}
