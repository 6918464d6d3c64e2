using System.Formats.Asn1;
using Org.BouncyCastle.Asn1;

namespace Signing.Verification;

/// <summary>
/// The signed attributes of a CAdES-BES signer (DER: the values are decoded from their encodings): each type once,
/// content-type and message-digest present, content-type equal to eContentType. Reads the signing time.
/// </summary>
internal sealed class SignedAttributes
{
    public const string ContentType = "1.2.840.113549.1.9.3";
    public const string MessageDigestOid = "1.2.840.113549.1.9.4";
    public const string SigningTimeOid = "1.2.840.113549.1.9.5";
    public const string SigningCertificate = "1.2.840.113549.1.9.16.2.12";
    public const string SigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";

    /// <summary>Attribute type → its encoded values.</summary>
    public Dictionary<string, List<ReadOnlyMemory<byte>>> Values { get; }

    /// <summary>The value of the message-digest attribute (an OCTET STRING).</summary>
    public ReadOnlyMemory<byte> MessageDigest { get; }

    private SignedAttributes(Dictionary<string, List<ReadOnlyMemory<byte>>> values, ReadOnlyMemory<byte> messageDigest)
    {
        Values = values;
        MessageDigest = messageDigest;
    }

    /// <summary>
    /// The attributes of <paramref name="set"/> (the DER SET OF), with "cades.signed-attributes" and "cades.content-type"
    /// added to the report as they pass; null and the failure otherwise. Throws for malformed encodings (a "malformed
    /// CMS" verdict upstream).
    /// </summary>
    public static SignedAttributes? Read(byte[]? set, string eContentType, CmsReport report, out CmsFailure? failure)
    {
        failure = null;
        var attrs = new Dictionary<string, List<ReadOnlyMemory<byte>>>();
        if (set is not null)
        {
            var reader = DerCheck.Reader(set);
            var items = reader.ReadSetOf(skipSortOrderValidation: true);
            reader.ThrowIfNotEmpty();
            while (items.HasData)
            {
                var a = items.ReadSequence();
                var type = a.ReadObjectIdentifier();
                var valueSet = a.ReadSetOf(skipSortOrderValidation: true);
                a.ThrowIfNotEmpty();
                var values = new List<ReadOnlyMemory<byte>>(1);
                while (valueSet.HasData)
                    values.Add(valueSet.ReadEncodedValue());
                if (!attrs.TryAdd(type, values))
                {
                    failure = Invalid("cades.signed-attributes", $"attribute {type} appears twice");
                    return null;
                }
            }
        }
        if (attrs.Count == 0)
        {
            failure = Invalid("cades.signed-attributes", "no signed attributes (CAdES-BES requires them)");
            return null;
        }
        var contentTypeValue = Single(attrs, ContentType);
        var digestValue = Single(attrs, MessageDigestOid);
        if (contentTypeValue is null || digestValue is null)
        {
            failure = Invalid("cades.signed-attributes", "content-type or message-digest attribute missing");
            return null;
        }
        report.Passed("cades.signed-attributes");
        if (DerCheck.Reader(contentTypeValue.Value).ReadObjectIdentifier() != eContentType)
        {
            failure = Invalid("cades.content-type", "the content-type attribute differs from eContentType");
            return null;
        }
        report.Passed("cades.content-type");
        return new SignedAttributes(attrs, digestValue.Value);
    }

    private static CmsFailure Invalid(string check, string reason) => new(SubIndication.FormatFailure, check, reason);

    /// <summary>The one value of an attribute, null when absent; throws when it has several.</summary>
    private static ReadOnlyMemory<byte>? Single(Dictionary<string, List<ReadOnlyMemory<byte>>> attrs, string oid)
    {
        if (!attrs.TryGetValue(oid, out var a))
            return null;
        return a.Count == 1 ? a[0] : throw new FormatException($"attribute {oid} must have exactly one value");
    }

    /// <summary>The claimed signing time, null when the attribute is absent.</summary>
    public DateTimeOffset? SigningTime() => Single(Values, SigningTimeOid) is { } st ? ReadSigningTime(st) : null;

    /// <summary>
    /// signing-time: UTCTime/GeneralizedTime in whole seconds read with AsnReader; any other form (fractional seconds,
    /// another type, malformed) by BouncyCastle, whose reading or rejection it keeps.
    /// </summary>
    /// <param name="allowFast">false forces the BouncyCastle decode (agreement tests).</param>
    internal static DateTimeOffset ReadSigningTime(ReadOnlyMemory<byte> value, bool allowFast = true)
    {
        if (allowFast && TryReadWholeSeconds(value) is { } fast)
            return fast;
        return new DateTimeOffset(Org.BouncyCastle.Asn1.Cms.Time.GetInstance(Asn1Object.FromByteArray(value.ToArray())).ToDateTime().ToUniversalTime(), TimeSpan.Zero);
    }

    private static DateTimeOffset? TryReadWholeSeconds(ReadOnlyMemory<byte> value)
    {
        try
        {
            var reader = DerCheck.Reader(value);
            return DerCheck.TryReadWholeSecondTime(reader, out var t) && !reader.HasData
                ? new DateTimeOffset(t.UtcDateTime, TimeSpan.Zero)
                : null;
        }
        catch (AsnContentException)
        {
            return null; // malformed for AsnReader: BouncyCastle gives its reading or its rejection
        }
    }
}
