namespace Signing.Revocation;

public enum RevocationHealthStatus
{
    Healthy,
    /// <summary>Something failed lately, but every CRL held is within its nextUpdate and no responder has failed for long.</summary>
    Degraded,
    Unhealthy,
}

/// <summary>One source as the health sees it: kind ("crl", "crl-file" or "ocsp"), URL or path, and how it fares.</summary>
/// <param name="Age">For a CRL, how long ago the CRL held was issued (thisUpdate); for a responder, since its last success.</param>
public sealed record RevocationSourceHealth(
    string Kind,
    string Url,
    RevocationHealthStatus Status,
    DateTimeOffset? LastSuccess,
    TimeSpan? Age,
    DateTimeOffset? NextUpdate,
    string? LastError,
    DateTimeOffset? FailingSince,
    string? Problem);

/// <summary>The health of every revocation source at <see cref="At"/>; the worst source decides <see cref="Status"/>.</summary>
public sealed record RevocationHealthReport(RevocationHealthStatus Status, DateTimeOffset At, IReadOnlyList<RevocationSourceHealth> Sources)
{
    /// <summary>The sentences that explain a status other than healthy.</summary>
    public IEnumerable<string> Problems => Sources.Where(s => s.Problem is not null).Select(s => s.Problem!);
}

public sealed partial class RevocationRefresher
{
    /// <summary>
    /// A snapshot of every source. Unhealthy: a CRL past its nextUpdate with no newer one fetched (named with its URL
    /// and age), a CRL URL never fetched and failing for longer than <see cref="RevocationFetchOptions.UnhealthyAfterFailing"/>,
    /// or an OCSP responder failing for longer than that.
    /// </summary>
    public RevocationHealthReport Health()
    {
        var now = _time.GetUtcNow();
        var limit = _options.UnhealthyAfterFailing;
        var sources = new List<RevocationSourceHealth>();
        foreach (var state in _crlSources.Values.OrderBy(s => s.Url, StringComparer.Ordinal))
        {
            lock (state)
            {
                var kind = state.IsFile ? "crl-file" : "crl";
                var url = state.IsFile ? state.Url["file:".Length..] : state.Url;
                var held = state.Scope is null ? null : _source.FindCrl(state.Scope);
                DateTimeOffset? next = held?.NextUpdate is { } n ? new DateTimeOffset(n, TimeSpan.Zero) : null;
                TimeSpan? age = held is null ? null : now - new DateTimeOffset(held.ThisUpdate, TimeSpan.Zero);
                var status = RevocationHealthStatus.Healthy;
                string? problem = null;
                if (held is not null && next < now)
                {
                    status = RevocationHealthStatus.Unhealthy;
                    problem = $"the CRL from {url} is past its nextUpdate {next:u} by {Span(now - next.Value)} (issued {Span(age!.Value)} ago)"
                              + (state.LastError is null ? "" : $"; last error: {state.LastError}");
                }
                else if (held is null && state.FailingSince is { } since && now - since > limit)
                {
                    status = RevocationHealthStatus.Unhealthy;
                    problem = $"no CRL from {url} yet; failing for {Span(now - since)}: {state.LastError}";
                }
                else if (state.LastError is not null)
                {
                    status = RevocationHealthStatus.Degraded;
                    problem = $"the last fetch from {url} failed: {state.LastError}";
                }
                sources.Add(new RevocationSourceHealth(kind, url, status, state.LastSuccess, age, next, state.LastError, state.FailingSince, problem));
            }
        }
        foreach (var responder in _responders.Values.OrderBy(s => s.Url, StringComparer.Ordinal))
        {
            lock (responder)
            {
                var status = RevocationHealthStatus.Healthy;
                string? problem = null;
                if (responder.FailingSince is { } since)
                {
                    status = now - since > limit ? RevocationHealthStatus.Unhealthy : RevocationHealthStatus.Degraded;
                    problem = $"the OCSP responder {responder.Url} has failed for {Span(now - since)}: {responder.LastError}";
                }
                sources.Add(new RevocationSourceHealth("ocsp", responder.Url, status, responder.LastSuccess,
                    responder.LastSuccess is { } ok ? now - ok : null, null, responder.LastError, responder.FailingSince, problem));
            }
        }
        var overall = sources.Count == 0 ? RevocationHealthStatus.Healthy : sources.Max(s => s.Status);
        return new RevocationHealthReport(overall, now, sources);
    }

    private static string Span(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} d" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}
