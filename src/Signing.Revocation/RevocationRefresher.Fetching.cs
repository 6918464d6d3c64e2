using Microsoft.Extensions.Logging;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>The fetches themselves: one CRL source, one certificate's OCSP answer, the CRL files, and what each remembers between tries.</summary>
public sealed partial class RevocationRefresher
{
    private async Task RefreshCrlAsync(CrlSourceState state)
    {
        var url = state.Url;
        try
        {
            var crl = await _crls.DownloadAsync(url, _stopping);
            var now = _time.GetUtcNow();
            _source.AddCrl(crl);
            var scope = MemoryRevocationSource.CrlScope(crl);
            if (_store is not null)
            {
                try
                {
                    if (!await _store.PutCrlAsync(crl, url, _stopping))
                        await _store.LoadIntoAsync(_source, _stopping);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
                {
                    _logger.LogWarning(e, "Revocation: storing the CRL of {Url} in the shared cache failed", url);
                }
            }
            var held = _source.FindCrl(scope) ?? crl;
            // Nothing newer than what is held, and that already due: the issuer has not published yet; ask again soon,
            // backing off, rather than on every tick.
            var progress = held.NextUpdate is not { } next || next > now.UtcDateTime;
            var refreshAt = _options.RefreshAt(held.ThisUpdate, held.NextUpdate, now);
            lock (state)
            {
                state.Scope = scope;
                state.LastSuccess = now;
                state.LastError = null;
                state.FailingSince = null;
                state.Failures = progress ? 0 : state.Failures + 1;
                state.DueAt = progress ? refreshAt : now + _options.Backoff(state.Failures);
            }
            _logger.LogDebug("Revocation: CRL {Url} number {Number}, next refresh {At:u}", url, held.CrlNumber, state.DueAt);
        }
        catch (FetchException e)
        {
            var now = _time.GetUtcNow();
            lock (state)
            {
                state.Failures++;
                state.LastError = $"{e.Failure}: {e.Reason}";
                state.FailingSince ??= now;
                state.DueAt = now + _options.Backoff(state.Failures);
            }
            _logger.LogWarning("Revocation: CRL download from {Url} failed ({Failure}: {Reason}); retry at {At:u}", url, e.Failure, e.Reason, state.DueAt);
        }
    }

    private async Task RefreshOcspAsync(OcspTrack track)
    {
        var url = _ocsp.ResponderUrl(track.Certificate, track.Issuer) ?? "(none)";
        var responder = _responders.GetOrAdd(url, u => new ResponderState(u));
        try
        {
            var response = await _ocsp.FetchAsync(track.Certificate, track.Issuer, _stopping);
            var now = _time.GetUtcNow();
            var (thisUpdate, nextUpdate) = OcspClient.Window(response, track.Certificate);
            var entry = new OcspEntry(track.Key, response, thisUpdate, nextUpdate, url);
            _source.AddOcsp(entry);
            if (_store is not null)
            {
                try
                {
                    if (!await _store.PutOcspAsync(entry, _stopping))
                        await _store.LoadIntoAsync(_source, _stopping);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
                {
                    _logger.LogWarning(e, "Revocation: storing an OCSP answer from {Url} in the shared cache failed", url);
                }
            }
            var held = _source.FindOcspEntry(track.Key) ?? entry;
            lock (responder)
            {
                responder.LastSuccess = now;
                responder.LastError = null;
                responder.FailingSince = null;
            }
            lock (track)
            {
                track.Failures = 0;
                track.DueAt = _options.RefreshAt(held.ThisUpdate, held.NextUpdate, now);
            }
        }
        catch (FetchException e)
        {
            var now = _time.GetUtcNow();
            lock (responder)
            {
                responder.LastError = $"{e.Failure}: {e.Reason}";
                responder.FailingSince ??= now;
            }
            lock (track)
            {
                track.Failures++;
                track.DueAt = now + _options.Backoff(track.Failures);
            }
            _logger.LogWarning("Revocation: OCSP for serial {Serial} from {Url} failed ({Failure}: {Reason})",
                track.Certificate.Serial.ToString(16), url, e.Failure, e.Reason);
        }
    }

    /// <summary>Reads the configured CRL files whose modification time changed (a large CRL is not re-parsed every tick).</summary>
    private void LoadFiles(DateTimeOffset now)
    {
        if (_options.CrlFiles.Count == 0)
            return;
        var changed = new List<string>();
        foreach (var path in _options.CrlFiles)
        {
            var files = Directory.Exists(path) ? Directory.EnumerateFiles(path) : File.Exists(path) ? [path] : [];
            foreach (var file in files)
            {
                var written = File.GetLastWriteTimeUtc(file);
                if (!_fileTimes.TryGetValue(file, out var seen) || seen != written)
                {
                    _fileTimes[file] = written;
                    changed.Add(file);
                }
            }
        }
        if (changed.Count == 0)
            return;
        foreach (var (file, crl, error) in CrlFetcher.LoadFiles(changed))
        {
            var state = _crlSources.GetOrAdd("file:" + file, u => new CrlSourceState(u, isFile: true));
            lock (state)
            {
                if (crl is null)
                {
                    state.LastError = error;
                    state.FailingSince ??= now;
                    continue;
                }
                _source.AddCrl(crl);
                state.Scope = MemoryRevocationSource.CrlScope(crl);
                state.LastSuccess = now;
                state.LastError = null;
                state.FailingSince = null;
            }
        }
    }

    private sealed class CrlSourceState(string url, bool isFile)
    {
        public string Url { get; } = url;
        public bool IsFile { get; } = isFile;
        /// <summary>The scope of the CRL this URL serves, once one was fetched: where its current CRL is found in the source.</summary>
        public string? Scope { get; set; }
        public DateTimeOffset? LastSuccess { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? FailingSince { get; set; }
        public int Failures { get; set; }
        public DateTimeOffset DueAt { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class OcspTrack(string key, ParsedCertificate certificate, ParsedCertificate issuer)
    {
        public string Key { get; } = key;
        public ParsedCertificate Certificate { get; } = certificate;
        public ParsedCertificate Issuer { get; } = issuer;
        public DateTimeOffset LastSeen { get; set; }
        public int Failures { get; set; }
        public DateTimeOffset DueAt { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class ResponderState(string url)
    {
        public string Url { get; } = url;
        public DateTimeOffset? LastSuccess { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? FailingSince { get; set; }
    }
}
