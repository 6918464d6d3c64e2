using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Security.Cryptography;
using Org.BouncyCastle.Math;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>An OCSP answer held for one certificate, with the window of its SingleResponse.</summary>
public sealed record OcspEntry(string Key, ParsedOcspResponse Response, DateTime ThisUpdate, DateTime? NextUpdate, string? Url);

/// <summary>
/// The revocation data the engine reads: CRLs (the newest per issuer, scope and kind) and OCSP answers (the newest per
/// certificate). Readers take an immutable snapshot with one volatile read and never lock; writers build the next
/// snapshot under a lock and publish it with <see cref="Generation"/> one higher. Writes are rare (a refresh, a first
/// sight of a certificate), reads happen on every verification.
/// </summary>
public sealed class MemoryRevocationSource : IRevocationSource
{
    private sealed record Snapshot(
        FrozenDictionary<string, ParsedCrl> CrlsByScope,
        IReadOnlyList<ParsedCrl> Crls,
        // Immutable rather than frozen: one answer added per first-seen certificate must not copy them all.
        ImmutableDictionary<string, OcspEntry> Ocsp,
        long Generation);

    private readonly Lock _write = new();
    private Snapshot _current = new(FrozenDictionary<string, ParsedCrl>.Empty, [], ImmutableDictionary<string, OcspEntry>.Empty, 0);

    public IReadOnlyList<ParsedCrl> Crls => Volatile.Read(ref _current).Crls;

    public long Generation => Volatile.Read(ref _current).Generation;

    public ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer) =>
        FindOcspEntry(certificate, issuer)?.Response;

    public OcspEntry? FindOcspEntry(ParsedCertificate certificate, ParsedCertificate issuer) =>
        Volatile.Read(ref _current).Ocsp.GetValueOrDefault(OcspKeys.For(certificate, issuer));

    public OcspEntry? FindOcspEntry(string key) => Volatile.Read(ref _current).Ocsp.GetValueOrDefault(key);

    public IEnumerable<OcspEntry> OcspEntries => Volatile.Read(ref _current).Ocsp.Values;

    /// <summary>The CRL held for <paramref name="crl"/>'s issuer, scope and kind, or null.</summary>
    public ParsedCrl? FindCrl(string scope) => Volatile.Read(ref _current).CrlsByScope.GetValueOrDefault(scope);

    /// <summary>
    /// Which CRLs replace each other: same issuer, same issuingDistributionPoint (a partitioned CRL is its own series),
    /// complete or delta. Hex SHA-256, so it serves as a database key.
    /// </summary>
    public static string CrlScope(ParsedCrl crl)
    {
        var issuer = crl.Issuer.GetDerEncoded();
        var idp = crl.IssuingDistributionPoint?.GetDerEncoded() ?? [];
        var buffer = new byte[issuer.Length + idp.Length + 2];
        issuer.CopyTo(buffer, 0);
        buffer[issuer.Length] = 0;
        idp.CopyTo(buffer, issuer.Length + 1);
        buffer[^1] = crl.IsDelta ? (byte)1 : (byte)0;
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>Whether <paramref name="candidate"/> should replace <paramref name="held"/> of the same scope: a higher CRL number, or the same and issued later.</summary>
    public static bool IsNewer(ParsedCrl candidate, ParsedCrl? held)
    {
        if (held is null)
            return true;
        if (candidate.Sha256 == held.Sha256)
            return false;
        var byNumber = (candidate.CrlNumber ?? BigInteger.ValueOf(-1)).CompareTo(held.CrlNumber ?? BigInteger.ValueOf(-1));
        return byNumber > 0 || (byNumber == 0 && candidate.ThisUpdate > held.ThisUpdate);
    }

    /// <summary>Whether <paramref name="candidate"/> should replace <paramref name="held"/>: a later thisUpdate, or the same and produced later.</summary>
    public static bool IsNewer(OcspEntry candidate, OcspEntry? held)
    {
        if (held is null)
            return true;
        if (candidate.Response.Sha256 == held.Response.Sha256)
            return false;
        if (candidate.ThisUpdate != held.ThisUpdate)
            return candidate.ThisUpdate > held.ThisUpdate;
        return (candidate.Response.ProducedAt ?? DateTime.MinValue) > (held.Response.ProducedAt ?? DateTime.MinValue);
    }

    /// <summary>Adds a CRL unless one at least as new is held for its scope. True when the data changed.</summary>
    public bool AddCrl(ParsedCrl crl) => AddCrls([crl]) > 0;

    /// <summary>Adds CRLs in one new snapshot (one generation step). Returns how many replaced or joined what was held.</summary>
    public int AddCrls(IEnumerable<ParsedCrl> crls)
    {
        lock (_write)
        {
            var current = _current;
            Dictionary<string, ParsedCrl>? next = null;
            foreach (var crl in crls)
            {
                var scope = CrlScope(crl);
                var held = (next ?? (IReadOnlyDictionary<string, ParsedCrl>)current.CrlsByScope).GetValueOrDefault(scope);
                if (!IsNewer(crl, held))
                    continue;
                next ??= new Dictionary<string, ParsedCrl>(current.CrlsByScope);
                next[scope] = crl;
            }
            if (next is null)
                return 0;
            var changed = next.Count(kv => !current.CrlsByScope.TryGetValue(kv.Key, out var old) || !ReferenceEquals(old, kv.Value));
            Publish(current with { CrlsByScope = next.ToFrozenDictionary(), Crls = next.Values.ToList() });
            return changed;
        }
    }

    /// <summary>Adds an OCSP answer unless one at least as new is held for its certificate. True when the data changed.</summary>
    public bool AddOcsp(OcspEntry entry)
    {
        lock (_write)
        {
            var current = _current;
            if (!IsNewer(entry, current.Ocsp.GetValueOrDefault(entry.Key)))
                return false;
            Publish(current with { Ocsp = current.Ocsp.SetItem(entry.Key, entry) });
            return true;
        }
    }

    /// <summary>Drops OCSP answers whose nextUpdate lies before <paramref name="before"/> (certificates no longer seen).</summary>
    public int RemoveOcspExpiredBefore(DateTime before)
    {
        lock (_write)
        {
            var current = _current;
            var gone = current.Ocsp.Where(kv => kv.Value.NextUpdate is { } n && n < before).Select(kv => kv.Key).ToList();
            if (gone.Count == 0)
                return 0;
            Publish(current with { Ocsp = current.Ocsp.RemoveRange(gone) });
            return gone.Count;
        }
    }

    private void Publish(Snapshot next) => Volatile.Write(ref _current, next with { Generation = next.Generation + 1 });
}
