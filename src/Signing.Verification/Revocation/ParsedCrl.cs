using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Signing.Verification;

/// <summary>One revoked-certificate entry of a CRL, with the certificate issuer it applies to (indirect CRLs).</summary>
public sealed record CrlEntry(BcBigInteger Serial, X509Name CertificateIssuer, DateTime RevocationDate, int Reason);

/// <summary>
/// A CRL parsed once and indexed by serial number (BouncyCastle's IsRevoked scans every entry).
/// Immutable and shared; cached by SHA-256 of the DER.
/// </summary>
public sealed class ParsedCrl : IRevocationEvidence
{
    private static readonly DerCache<ParsedCrl> Cache = new(1000, "X509 CRL", "X.509 CRL", (der, hash) => new ParsedCrl(der, hash));
    private static readonly HashSet<string> KnownCrlExtensions =
        ["2.5.29.35", "2.5.29.18", "2.5.29.20", "2.5.29.27", "2.5.29.28", "2.5.29.46", "2.5.29.60"];
    private static readonly HashSet<string> KnownEntryExtensions = ["2.5.29.21", "2.5.29.23", "2.5.29.24", "2.5.29.29"];

    public const int ReasonUnspecified = 0, ReasonCertificateHold = 6, ReasonRemoveFromCrl = 8;

    /// <summary>The CRL exactly as loaded (DER): what a record that rests on it keeps.</summary>
    public byte[] Der { get; }
    /// <summary>Hex SHA-256 of <see cref="Der"/>, computed once when loaded.</summary>
    public string Sha256 { get; }
    /// <summary>How a verdict names this CRL (made once, so a verdict costs no formatting).</summary>
    public RevocationReference Reference { get; }
    public X509Name Issuer { get; }
    public DateTime ThisUpdate { get; }
    public DateTime? NextUpdate { get; }
    public BcBigInteger? CrlNumber { get; }
    public BcBigInteger? DeltaBaseNumber { get; }
    public bool IsDelta => DeltaBaseNumber is not null;
    public IssuingDistributionPoint? IssuingDistributionPoint { get; }
    public byte[]? AuthorityKeyId { get; }
    /// <summary>Non-null when the CRL must not be used (unknown critical extension, malformed entry, …).</summary>
    public string? Unusable { get; }
    internal byte[] TbsDer { get; }
    internal byte[] SignatureValue { get; }
    internal AlgorithmIdentifier SignatureAlgorithm { get; }
    public int Count { get; }

    private readonly Dictionary<BcBigInteger, CrlEntry[]> entries = new();

    private ParsedCrl(byte[] der, string sha256)
    {
        Der = der;
        Sha256 = sha256;
        var list = CertificateList.GetInstance(Asn1Object.FromByteArray(der));
        var tbs = list.TbsCertList;
        Issuer = tbs.Issuer;
        ThisUpdate = tbs.ThisUpdate.ToDateTime().ToUniversalTime();
        NextUpdate = tbs.NextUpdate?.ToDateTime().ToUniversalTime();
        TbsDer = tbs.GetDerEncoded();
        SignatureValue = list.Signature.GetBytes();
        SignatureAlgorithm = list.SignatureAlgorithm;
        if (!list.SignatureAlgorithm.Equals(tbs.Signature))
            Unusable = "signatureAlgorithm differs from the TBS signature field";

        var ext = tbs.Extensions;
        if (ext is not null)
        {
            foreach (var oid in ext.ExtensionOids)
            {
                var e = ext.GetExtension(oid);
                if (e.IsCritical && !KnownCrlExtensions.Contains(oid.Id))
                    Unusable ??= $"unknown critical CRL extension {oid.Id}";
                var value = e.GetParsedValue();
                switch (oid.Id)
                {
                    case "2.5.29.20":
                        CrlNumber = DerInteger.GetInstance(value).Value;
                        if (e.IsCritical)
                            Unusable ??= "cRLNumber marked critical (RFC 5280 §5.2.3)";
                        break;
                    case "2.5.29.27":
                        DeltaBaseNumber = DerInteger.GetInstance(value).Value;
                        break;
                    case "2.5.29.28":
                        IssuingDistributionPoint = IssuingDistributionPoint.GetInstance(value);
                        break;
                    case "2.5.29.35":
                        AuthorityKeyId = AuthorityKeyIdentifier.GetInstance(value).KeyIdentifier?.GetOctets();
                        break;
                }
            }
        }
        if (CrlNumber is null)
            Unusable ??= "cRLNumber missing (RFC 5280 §5.2.3: conforming CRL issuers MUST include it)";

        var indirect = IssuingDistributionPoint?.IsIndirectCrl == true;
        var currentIssuer = Issuer;
        var index = new Dictionary<BcBigInteger, List<CrlEntry>>();
        foreach (var entry in tbs.GetRevokedCertificates())
        {
            var reason = ReasonUnspecified;
            var entryExt = entry.Extensions;
            if (entryExt is not null)
            {
                foreach (var oid in entryExt.ExtensionOids)
                {
                    var e = entryExt.GetExtension(oid);
                    if (e.IsCritical && !KnownEntryExtensions.Contains(oid.Id))
                        Unusable ??= $"unknown critical CRL entry extension {oid.Id}";
                    if (oid.Id == "2.5.29.21")
                        reason = DerEnumerated.GetInstance(e.GetParsedValue()).IntValueExact;
                    else if (oid.Id == "2.5.29.29" && indirect)
                    {
                        var names = GeneralNames.GetInstance(e.GetParsedValue()).GetNames();
                        var dn = names.FirstOrDefault(n => n.TagNo == GeneralName.DirectoryName);
                        if (dn is not null)
                            currentIssuer = X509Name.GetInstance(dn.Name);
                    }
                }
            }
            var serial = entry.UserCertificate.Value;
            if (!index.TryGetValue(serial, out var bucket))
                index[serial] = bucket = [];
            bucket.Add(new CrlEntry(serial, currentIssuer, entry.RevocationDate.ToDateTime().ToUniversalTime(), reason));
            Count++;
        }
        foreach (var (k, v) in index)
            entries[k] = v.ToArray();
        Reference = new RevocationReference(RevocationReference.CrlKind, Sha256, Issuer.ToString(), CrlNumber?.ToString(),
            new DateTimeOffset(ThisUpdate, TimeSpan.Zero));
    }

    /// <summary>The entry for a certificate (serial and issuer), or null. O(1).</summary>
    public CrlEntry? Find(BcBigInteger serial, X509Name certificateIssuer)
    {
        if (!entries.TryGetValue(serial, out var bucket))
            return null;
        foreach (var e in bucket)
        {
            if (ReferenceEquals(e.CertificateIssuer, certificateIssuer) || e.CertificateIssuer.Equivalent(certificateIssuer, true))
                return e;
        }
        return null;
    }

    public static ParsedCrl From(byte[] derOrPem) => Cache.Get(derOrPem);

    public static ParsedCrl FromFile(string path) => From(File.ReadAllBytes(path));
}
