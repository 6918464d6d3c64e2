using System.Globalization;
using System.Text;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Signing.HsmSim;

/// <summary>
/// An OpenSSL CA database (the index.txt `openssl ca` keeps and `openssl ocsp -index` answers from): one tab-separated
/// line per issued certificate — status (V valid, R revoked), expiry, revocation time and reason, serial in hex, file
/// name ("unknown"), subject in OpenSSL's one-line form.
/// </summary>
public static class OpenSslIndex
{
    public sealed record Entry(bool Revoked, DateTime NotAfter, DateTime? RevokedAt, string SerialHex, string Subject)
    {
        public static Entry Of(X509Certificate certificate, DateTimeOffset? revokedAt) => new(
            revokedAt is not null, certificate.NotAfter, revokedAt?.UtcDateTime,
            OpenSslIndex.SerialHex(certificate), OneLine(certificate.SubjectDN));
    }

    public static void Write(string path, IEnumerable<Entry> entries)
    {
        var text = new StringBuilder();
        foreach (var e in entries)
        {
            var revocation = e.RevokedAt is { } at ? Time(at) + ",keyCompromise" : "";
            text.Append(e.Revoked ? 'R' : 'V').Append('\t').Append(Time(e.NotAfter)).Append('\t').Append(revocation)
                .Append('\t').Append(e.SerialHex).Append("\tunknown\t").Append(e.Subject).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
        // `openssl ca` keeps this beside its index; the responder reads it when present and complains when not.
        File.WriteAllText(path + ".attr", "unique_subject = no\n");
    }

    /// <summary>OpenSSL writes serials as upper-case hex of an even number of digits.</summary>
    public static string SerialHex(X509Certificate certificate)
    {
        var hex = certificate.SerialNumber.ToString(16).ToUpperInvariant();
        return hex.Length % 2 == 0 ? hex : "0" + hex;
    }

    // UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), as `openssl ca` writes them.
    private static string Time(DateTime t) =>
        t.ToUniversalTime().ToString(t.Year < 2050 ? "yyMMddHHmmss" : "yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";

    private static string OneLine(X509Name name)
    {
        var oids = name.GetOidList();
        var values = name.GetValueList();
        var text = new StringBuilder();
        for (var i = 0; i < oids.Count; i++)
        {
            var symbol = X509Name.DefaultSymbols.TryGetValue(oids[i], out var s) ? s : oids[i].Id;
            text.Append('/').Append(symbol).Append('=').Append(values[i].Replace("/", "\\/", StringComparison.Ordinal));
        }
        return text.ToString();
    }
}
