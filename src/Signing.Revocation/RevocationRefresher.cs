using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>
/// Keeps <see cref="MemoryRevocationSource"/> fresh: CRLs refreshed before their nextUpdate, OCSP answers of recently
/// seen certificates refreshed before theirs, failures retried with backoff, data written by other nodes read from
/// PostgreSQL. <see cref="RunAsync"/> is the loop a host runs; <see cref="EnsureAsync"/> is what a verification calls
/// for its chain, and costs only lookups when everything is already held.
/// </summary>
public sealed partial class RevocationRefresher
{
    private readonly RevocationFetchOptions _options;
    private readonly MemoryRevocationSource _source;
    private readonly OcspClient _ocsp;
    private readonly CrlFetcher _crls;
    private readonly PostgresRevocationStore? _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly ConcurrentDictionary<string, CrlSourceState> _crlSources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OcspTrack> _tracks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResponderState> _responders = new(StringComparer.Ordinal);
    // One fetch per source at a time: concurrent verifications of a new certificate share it.
    private readonly ConcurrentDictionary<string, Lazy<Task>> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _fileTimes = new(StringComparer.Ordinal);
    private CancellationToken _stopping = CancellationToken.None;
    private DateTimeOffset _nextStorePoll = DateTimeOffset.MinValue;
    private readonly Lock _budgetGate = new();
    private DateTimeOffset _budgetSecond = DateTimeOffset.MinValue;
    private int _budgetUsed;

    public RevocationRefresher(RevocationFetchOptions options, MemoryRevocationSource source, OcspClient ocsp, CrlFetcher crls,
        PostgresRevocationStore? store = null, TimeProvider? time = null, ILogger<RevocationRefresher>? logger = null)
    {
        _options = options.ThrowIfInvalid();
        _source = source;
        _ocsp = ocsp;
        _crls = crls;
        _store = store;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        foreach (var url in options.CrlUrls)
            _crlSources.TryAdd(url, new CrlSourceState(url, isFile: false));
    }

    public MemoryRevocationSource Source => _source;

    /// <summary>
    /// Takes the trust configuration's CRL files as the first data, and keeps the CRLs its CA certificates point to
    /// fresh (the CRLs that cover the CAs themselves).
    /// </summary>
    public void Register(TrustConfiguration trust)
    {
        _source.AddCrls(trust.Crls);
        foreach (var ca in trust.TrustAnchors.Concat(trust.Intermediates))
            RegisterCrlUrls(ca);
    }

    /// <summary>Keeps the CRLs of <paramref name="certificate"/>'s http(s) distribution points fresh from now on.</summary>
    public void RegisterCrlUrls(ParsedCertificate certificate)
    {
        if (!_options.FetchCrls)
            return;
        foreach (var url in CrlFetcher.DistributionPointUrls(certificate))
            _crlSources.TryAdd(url, new CrlSourceState(url, isFile: false));
    }

    /// <summary>
    /// The loop a host runs until stopped: reads the shared cache and the CRL files, then every tick refreshes what is
    /// due and, every <see cref="RevocationFetchOptions.StorePollInterval"/>, takes what other nodes stored.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        _stopping = ct;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await TickAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _logger.LogError(e, "Revocation refresh tick failed");
                }
                await Task.Delay(_options.TickInterval, _time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            // Fetches still running end with the stopping token; wait so none writes after the host stopped.
            try
            {
                await Task.WhenAll(_inFlight.Values.Select(l => l.Value));
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>One pass: shared cache (when due), CRL files (when changed), then every CRL and OCSP answer whose time has come.</summary>
    internal async Task TickAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (_store is not null && now >= _nextStorePoll)
        {
            _nextStorePoll = now + _options.StorePollInterval;
            try
            {
                var changed = await _store.LoadIntoAsync(_source, ct);
                if (changed > 0)
                    _logger.LogInformation("Revocation: {Count} newer entries read from the shared cache", changed);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                _logger.LogWarning(e, "Revocation: reading the shared cache failed");
            }
        }
        LoadFiles(now);
        foreach (var state in _crlSources.Values)
        {
            if (state.IsFile || state.DueAt > now)
                continue;
            // Another node may have stored a newer CRL of this scope meanwhile: then it is not due after all.
            if (state.Scope is not null && state.Failures == 0 && _source.FindCrl(state.Scope) is { } held
                && _options.RefreshAt(held.ThisUpdate, held.NextUpdate, new DateTimeOffset(held.ThisUpdate, TimeSpan.Zero)) is var at && at > now)
            {
                state.DueAt = at;
                continue;
            }
            _ = Start("crl:" + state.Url, () => RefreshCrlAsync(state));
        }
        foreach (var track in _tracks.Values)
        {
            if (now - track.LastSeen > _options.OcspRecentlySeen)
            {
                _tracks.TryRemove(track.Key, out _);
                continue;
            }
            if (track.DueAt > now)
                continue;
            if (track.Failures == 0 && _source.FindOcspEntry(track.Key) is { } answer
                && _options.RefreshAt(answer.ThisUpdate, answer.NextUpdate, new DateTimeOffset(answer.ThisUpdate, TimeSpan.Zero)) is var due && due > now)
            {
                track.DueAt = due;
                continue;
            }
            if (BackgroundOcspMayStart(track.Key, now))
                _ = Start("ocsp:" + track.Key, () => RefreshOcspAsync(track));
        }
    }

    /// <summary>
    /// Whether a background OCSP fetch for <paramref name="key"/> may start now: joining one already in flight costs nothing;
    /// a new one takes a start out of <see cref="RevocationFetchOptions.BackgroundOcspPerSecond"/>.
    /// </summary>
    private bool BackgroundOcspMayStart(string key, DateTimeOffset now)
    {
        if (_inFlight.ContainsKey("ocsp:" + key))
            return true;
        lock (_budgetGate)
        {
            if (now - _budgetSecond >= TimeSpan.FromSeconds(1))
            {
                _budgetSecond = now;
                _budgetUsed = 0;
            }
            if (_budgetUsed >= _options.BackgroundOcspPerSecond)
                return false;
            _budgetUsed++;
            return true;
        }
    }

    /// <summary>
    /// Makes sure revocation data is held for each certificate of <paramref name="chain"/> (leaf first, each followed by
    /// its issuer; the last one, the anchor, is not checked). On a hit it only notes the certificates as seen. On a miss
    /// it starts the fetches (shared with concurrent callers) and waits at most <see cref="RevocationFetchOptions.OnDemandTimeout"/>:
    /// for OCSP first, and for the CRLs only if OCSP gave nothing. Fetch failures are recorded, never thrown.
    /// <paramref name="background"/>: nobody waits for the result (the verification was answered already), so an OCSP fetch
    /// starts only within <see cref="RevocationFetchOptions.BackgroundOcspPerSecond"/>; otherwise a later tick starts it.
    /// </summary>
    public Task EnsureAsync(IReadOnlyList<ParsedCertificate> chain, CancellationToken ct, bool background = false)
    {
        var now = _time.GetUtcNow();
        List<Task>? ocspTasks = null, crlTasks = null;
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var (certificate, issuer) = (chain[i], chain[i + 1]);
            // A certificate that names no responder (a CA certificate, usually) is covered by CRLs only: tracking it would
            // report a responder failing forever.
            if (_options.FetchOcsp && _ocsp.ResponderUrl(certificate, issuer) is not null)
            {
                var key = OcspKeys.For(certificate, issuer);
                var track = _tracks.GetOrAdd(key, k => new OcspTrack(k, certificate, issuer));
                track.LastSeen = now;
                var held = _source.FindOcspEntry(key);
                var fresh = held is not null && (held.NextUpdate is not { } next || next > now.UtcDateTime);
                if (!fresh && track.DueAt <= now && (!background || BackgroundOcspMayStart(key, now)))
                    (ocspTasks ??= []).Add(Start("ocsp:" + key, () => RefreshOcspAsync(track)));
            }
            if (_options.FetchCrls)
            {
                foreach (var url in CrlFetcher.DistributionPointUrls(certificate))
                {
                    var state = _crlSources.GetOrAdd(url, u => new CrlSourceState(u, isFile: false));
                    if (state.Scope is null && state.DueAt <= now)
                        (crlTasks ??= []).Add(Start("crl:" + url, () => RefreshCrlAsync(state)));
                }
            }
        }
        if (ocspTasks is null && crlTasks is null)
            return Task.CompletedTask;
        return WaitAsync(chain, ocspTasks, crlTasks, ct);
    }

    private async Task WaitAsync(IReadOnlyList<ParsedCertificate> chain, List<Task>? ocspTasks, List<Task>? crlTasks, CancellationToken ct)
    {
        var deadline = _time.GetUtcNow() + _options.OnDemandTimeout;
        async Task Until(List<Task> tasks)
        {
            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
                return;
            try
            {
                await Task.WhenAll(tasks).WaitAsync(left, _time, ct);
            }
            catch (TimeoutException)
            {
            }
        }
        if (ocspTasks is not null)
            await Until(ocspTasks);
        // Every certificate has an OCSP answer (fetched now or held before): the CRLs go on in the background.
        var ocspAnswered = _options.FetchOcsp
            && Enumerable.Range(0, chain.Count - 1).All(i => _source.FindOcspEntry(chain[i], chain[i + 1]) is not null);
        if (crlTasks is not null && !ocspAnswered)
            await Until(crlTasks);
    }

    private Task Start(string key, Func<Task> fetch)
    {
        var lazy = _inFlight.GetOrAdd(key, k => new Lazy<Task>(async () =>
        {
            try
            {
                await Task.Yield();
                await fetch();
            }
            finally
            {
                _inFlight.TryRemove(key, out _);
            }
        }));
        return lazy.Value;
    }
}
