using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.X509;
using Signing.Contracts.V1;
using Signing.Revocation;
using Signing.Server.Configuration;
using Signing.Tokens;
using Signing.Verification;

namespace Signing.Server.Receipts;

/// <summary>
/// Signs submission receipts with the directorate's key on the server HSM token (PKCS#11). Receipts issued together
/// share one signature: the key signs a <see cref="ReceiptBatch"/> (the SHA-256 of each receipt document) as attached
/// CAdES-BES, and each applicant gets their own document plus that signature (<c>openssl cms -verify</c>, then their
/// document's SHA-256 in the list). The token is the serial resource of the submission path (one signature at a time,
/// tens of microseconds each on SoftHSM, far fewer per second on a network HSM), so, like the group commit in front of
/// PostgreSQL, whatever arrives while one batch is being signed goes into the next.
/// The token is logged in (at start, by StartupChecks) with the PIN from the environment (Signing:ServerKey:PinEnvironmentVariable,
/// default SIGNING_SERVER_PIN); the PIN itself never passes through configuration or logs.
/// </summary>
public sealed partial class ReceiptSigner : IAsyncDisposable
{
    public const string MaxBatchKey = ReceiptOptions.MaxBatchKey;

    // One logged-in session per token per process (the token layer enforces it), shared by every host in the process.
    private static readonly ConcurrentDictionary<string, Lazy<(TokenSession Session, CadesSigner Signer)>> Sessions = new();

    // One signature at a time goes to the token anyway (its session is serialised); this keeps the batch loops of several
    // hosts in one process (the tests) taking turns instead of spinning on the token's lock.
    private static readonly SemaphoreSlim Turn = new(1, 1);

    private readonly string _label;
    private readonly string _pinVariable;
    private readonly IReadOnlyList<X509Certificate> _chain;
    private readonly TimeProvider _clock;
    private readonly int _maxBatch;
    private readonly Channel<Pending> _queue;
    private volatile bool _closed;
    private readonly Task _loop;
    private readonly TimeSpan _healthCache;
    private readonly SemaphoreSlim _probeGate = new(1, 1);
    private (long At, string? Problem)? _lastProbe;
    // The module is initialised again at most this often while the token is missing (see Pkcs11Module.Reinitialize).
    private static readonly TimeSpan ReinitializeEvery = TimeSpan.FromSeconds(1);
    private static long _lastReinitialize;
    private long _signatures;
    private long _receipts;

    private readonly TimestampClient? _timestamps;
    private readonly ILogger? _logger;

    /// <param name="timestamps">When given (Signing:Revocation:TsaUrl set), every batch signature gets an RFC 3161
    /// signature timestamp (CAdES-T); a TSA that fails leaves that batch's receipts without one, never without a receipt.</param>
    public ReceiptSigner(IOptions<ServerKeyOptions> serverKey, IOptions<ReceiptOptions> receipts, TimeProvider clock,
        TimestampClient? timestamps = null, ILogger<ReceiptSigner>? logger = null)
    {
        _timestamps = timestamps;
        _logger = logger;
        _label = serverKey.Value.Token;
        _pinVariable = serverKey.Value.PinEnvironmentVariable;
        _maxBatch = receipts.Value.MaxBatch;
        if (_maxBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(receipts), _maxBatch, $"{MaxBatchKey} must be at least 1 (1 = one signature per receipt).");
        MaxQueued = receipts.Value.MaxQueued;
        if (MaxQueued < 1)
            throw new ArgumentOutOfRangeException(nameof(receipts), MaxQueued, $"{ReceiptOptions.MaxQueuedKey} must be at least 1.");
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _healthCache = TimeSpan.FromSeconds(Math.Max(0, serverKey.Value.HealthCacheSeconds));
        _clock = clock;
        _chain = LoadChain(serverKey.Value.ChainFile);
        _loop = Task.Run(RunAsync);
    }

    public string TokenLabel => _label;

    /// <summary>Signatures made so far (each covers one batch).</summary>
    public long Signatures => Interlocked.Read(ref _signatures);

    /// <summary>Receipts issued so far.</summary>
    public long Receipts => Interlocked.Read(ref _receipts);

    /// <summary>Receipts waiting for a signature now (at most <see cref="MaxQueued"/>).</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>The bound of the queue (Signing:Receipts:MaxQueued).</summary>
    public int MaxQueued { get; }

    /// <summary>
    /// The signed receipt for one document: the document itself and the CMS over the batch it went out in. Throws
    /// TokenException when the token is absent or the PIN is wrong (every receipt of that batch gets the same error), and
    /// <see cref="ReceiptQueueFullException"/> at once when <see cref="MaxQueued"/> receipts are already waiting.
    /// </summary>
    public async Task<SignedReceipt> IssueAsync(byte[] documentJson, CancellationToken ct = default)
    {
        var pending = new Pending(documentJson, new TaskCompletionSource<ByteString>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
            throw _closed
                ? new ObjectDisposedException(nameof(ReceiptSigner), "the server is shutting down; no more receipts are signed")
                : new ReceiptQueueFullException(MaxQueued);
        var signature = await pending.Signature.Task.WaitAsync(ct);
        return new SignedReceipt { DocumentJson = ByteString.CopyFrom(documentJson), Signature = signature };
    }

    public async ValueTask DisposeAsync()
    {
        // Receipts already asked for are still signed: their submissions are committed.
        _closed = true;
        _queue.Writer.TryComplete();
        await _loop;
    }

    private sealed record Pending(byte[] Document, TaskCompletionSource<ByteString> Signature);

    private async Task RunAsync()
    {
        var batch = new List<Pending>(Math.Min(_maxBatch, 1024));
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            await SignAsync(batch);
            batch.Clear();
        }
    }

    private async Task SignAsync(List<Pending> batch)
    {
        try
        {
            var content = ReceiptBatch.ToJson(batch.Select(p => p.Document), _clock.GetUtcNow());
            await Turn.WaitAsync();
            byte[] cms;
            try
            {
                cms = Signer().Signer.Sign(content, detached: false);
            }
            finally
            {
                Turn.Release();
            }
            if (_timestamps is not null)
                cms = await TimestampAsync(cms);
            Interlocked.Increment(ref _signatures);
            Interlocked.Add(ref _receipts, batch.Count);
            // One immutable copy, shared by every reply of the batch.
            var signature = ByteString.CopyFrom(cms);
            foreach (var pending in batch)
                pending.Signature.TrySetResult(signature);
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
                pending.Signature.TrySetException(e);
        }
    }

    private async Task<byte[]> TimestampAsync(byte[] cms)
    {
        try
        {
            return await SignatureTimestamps.AddAsync(cms, async (value, ct) =>
                (await _timestamps!.StampDigestAsync(System.Security.Cryptography.SHA256.HashData(value), ct)).Der);
        }
        catch (FetchException e)
        {
            // The receipt is what the applicant needs now; the timestamp only strengthens it.
            _logger?.LogWarning("receipt batch not timestamped: {Url}: {Reason}", e.Url, e.Reason);
            return cms;
        }
    }

    /// <summary>
    /// A detached CAdES-BES over <paramref name="content"/> with the receipt key and certificate (the log's checkpoints:
    /// one key speaks for the directorate). Takes its turn on the token with the receipt batches. Throws TokenException
    /// when the token is absent or the PIN is wrong.
    /// </summary>
    public async Task<byte[]> SignDetachedAsync(byte[] content, CancellationToken ct = default)
    {
        await Turn.WaitAsync(ct);
        try
        {
            return Signer().Signer.Sign(content, detached: true);
        }
        finally
        {
            Turn.Release();
        }
    }

    /// <summary>
    /// Of the configured certificates, those on the signer's issuer path, nearest first: every receipt carries them, so one
    /// that issued nothing on the path (the test world's default chain is the NES sub-CA, while its server certificate
    /// comes from the root) would only add a kilobyte to every reply.
    /// </summary>
    internal static IReadOnlyList<X509Certificate> IssuersOf(X509Certificate signer, IReadOnlyList<X509Certificate> candidates)
    {
        var path = new List<X509Certificate>();
        var current = signer;
        while (!current.SubjectDN.Equivalent(current.IssuerDN)
               && candidates.FirstOrDefault(c => c.SubjectDN.Equivalent(current.IssuerDN) && !path.Contains(c)) is { } issuer)
        {
            path.Add(issuer);
            current = issuer;
        }
        return path;
    }

    /// <summary>The issuing CA certificates to embed (so the receipt verifies against the root alone).</summary>
    private static IReadOnlyList<X509Certificate> LoadChain(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return [];
        try
        {
            using var stream = File.OpenRead(path);
            return new X509CertificateParser().ReadCertificates(stream).ToList();
        }
        catch (Exception e) when (StartupException.IsFileProblem(e))
        {
            throw StartupException.ForFile("Signing:ServerKey:ChainFile", path, e);
        }
    }
}

/// <summary>The receipt queue is full (Signing:Receipts:MaxQueued): the token is not keeping up.</summary>
public sealed class ReceiptQueueFullException(int limit)
    : Exception($"{limit} receipts are already waiting for the server token's signature")
{
    public int Limit { get; } = limit;
}
