using System.Formats.Asn1;

namespace Signing.Verification;

/// <summary>
/// Whether bytes are one canonical DER element all the way down, checked with <see cref="AsnReader"/> under DER rules:
/// definite minimal lengths, sorted SET OF, DER BOOLEAN/BIT STRING/INTEGER/time forms, decodable character strings.
/// The fast parsers slice such input instead of re-encoding it, because BouncyCastle's DER re-encoding of it is the
/// input itself; anything else (BER, odd types) goes the old BouncyCastle way, which re-encodes.
/// Contents of primitive elements (OCTET STRING, BIT STRING, implicitly tagged primitives) are opaque: BouncyCastle
/// keeps them as they are when it re-encodes. Also the whole-second time reading both fast parsers share.
/// </summary>
internal static class DerCheck
{
    private const int MaxDepth = 32;

    public static bool IsDer(ReadOnlyMemory<byte> encoded)
    {
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.DER);
            if (!Element(reader, 0))
                return false;
            return !reader.HasData;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static bool Element(AsnReader reader, int depth)
    {
        if (depth > MaxDepth)
            return false;
        var tag = reader.PeekTag();
        if (tag.IsConstructed)
        {
            // SET OF must be sorted in DER; ReadSetOf checks the order (a SET, as opposed to SET OF, is never used in
            // certificates or CMS without being a SET OF).
            var inner = tag.HasSameClassAndValue(Asn1Tag.SetOf) ? reader.ReadSetOf(tag) : reader.ReadSequence(tag);
            while (inner.HasData)
            {
                if (!Element(inner, depth + 1))
                    return false;
            }
            return true;
        }
        if (tag.TagClass != TagClass.Universal)
        {
            reader.ReadEncodedValue();
            return true;
        }
        switch ((UniversalTagNumber)tag.TagValue)
        {
            case UniversalTagNumber.Boolean: reader.ReadBoolean(); return true;
            case UniversalTagNumber.Integer: reader.ReadIntegerBytes(); return true;
            case UniversalTagNumber.Enumerated: reader.ReadEnumeratedBytes(); return true;
            case UniversalTagNumber.BitString: return reader.TryReadPrimitiveBitString(out _, out _);
            case UniversalTagNumber.OctetString: return reader.TryReadPrimitiveOctetString(out _);
            case UniversalTagNumber.Null: reader.ReadNull(); return true;
            // BouncyCastle keeps an OID's contents as they are (and the parsers read them strictly where they use them).
            case UniversalTagNumber.ObjectIdentifier: reader.ReadEncodedValue(); return true;
            case UniversalTagNumber.UtcTime: reader.ReadUtcTime(); return true;
            case UniversalTagNumber.GeneralizedTime: reader.ReadGeneralizedTime(); return true;
            case UniversalTagNumber.UTF8String:
            case UniversalTagNumber.PrintableString:
            case UniversalTagNumber.IA5String:
            case UniversalTagNumber.BMPString:
            case UniversalTagNumber.T61String:
            case UniversalTagNumber.VisibleString:
            case UniversalTagNumber.NumericString:
            {
                // Decodable text: BouncyCastle re-encodes strings from their text, which must give the same bytes.
                Span<char> buffer = stackalloc char[256];
                if (!reader.TryReadCharacterString(buffer, (UniversalTagNumber)tag.TagValue, out _))
                    reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                return true;
            }
            default:
                return false; // rare types: let BouncyCastle decide
        }
    }

    /// <summary>
    /// A UTCTime (RFC 5280 pivot 1950–2049, as BouncyCastle's adjusted date) or GeneralizedTime in whole seconds; false
    /// for another tag or fractional seconds, whose reading (BouncyCastle's precision rules) the callers leave to
    /// BouncyCastle. Malformed times throw AsnContentException, as AsnReader does.
    /// </summary>
    public static bool TryReadWholeSecondTime(AsnReader reader, out DateTimeOffset time)
    {
        var tag = reader.PeekTag();
        if (tag.HasSameClassAndValue(Asn1Tag.UtcTime))
            time = reader.ReadUtcTime();
        else if (tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime))
            time = reader.ReadGeneralizedTime();
        else
        {
            time = default;
            return false;
        }
        return time.Ticks % TimeSpan.TicksPerSecond == 0;
    }
}
