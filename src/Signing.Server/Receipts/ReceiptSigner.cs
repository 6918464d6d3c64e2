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
public sealed class ReceiptSigner : IAsyncDisposable
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
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
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
        _clock = clock;
        _chain = LoadChain(serverKey.Value.ChainFile);
        _loop = Task.Run(RunAsync);
    }

    public string TokenLabel => _label;

    /// <summary>Signatures made so far (each covers one batch).</summary>
    public long Signatures => Interlocked.Read(ref _signatures);

    /// <summary>Receipts waiting for the next batch signature.</summary>
    // Counted here: a single-reader channel cannot count its items.
    public int Queued => Volatile.Read(ref _queued);
    private int _queued;

    /// <summary>Receipts issued so far.</summary>
    public long Receipts => Interlocked.Read(ref _receipts);

    /// <summary>
    /// The signed receipt for one document: the document itself and the CMS over the batch it went out in. Throws
    /// TokenException when the token is absent or the PIN is wrong (every receipt of that batch gets the same error).
    /// </summary>
    public async Task<SignedReceipt> IssueAsync(byte[] documentJson, CancellationToken ct = default)
    {
        var pending = new Pending(documentJson, new TaskCompletionSource<ByteString>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(ReceiptSigner), "the server is shutting down; no more receipts are signed");
        }
        var signature = await pending.Signature.Task.WaitAsync(ct);
        return new SignedReceipt { DocumentJson = ByteString.CopyFrom(documentJson), Signature = signature };
    }

    public async ValueTask DisposeAsync()
    {
        // Receipts already asked for are still signed: their submissions are committed.
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
            Interlocked.Add(ref _queued, -batch.Count);
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

    /// <summary>For the health check: the token is present and the key usable.</summary>
    public bool IsReady(out string? problem)
    {
        try
        {
            _ = Signer();
            problem = null;
            return true;
        }
        catch (TokenException e)
        {
            problem = e.Message;
            return false;
        }
    }

    private (TokenSession Session, CadesSigner Signer) Signer()
    {
        var lazy = Sessions.GetOrAdd(_label, label => new Lazy<(TokenSession, CadesSigner)>(() =>
        {
            var session = Pkcs11Module.Load().Login(label, PinSources.FromEnvironment(_pinVariable), new TokenOptions { SignWithSessionCopy = true });
            var key = session.GetSigningKey();
            return (session, new CadesSigner(key, new CadesOptions { ExtraCertificates = IssuersOf(key.Certificate, _chain) }));
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed login (token absent, PIN not set) must not be cached for ever: the next call tries again.
            Sessions.TryRemove(new KeyValuePair<string, Lazy<(TokenSession, CadesSigner)>>(_label, lazy));
            throw;
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
