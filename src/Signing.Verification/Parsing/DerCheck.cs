using System.Formats.Asn1;

namespace Signing.Verification;

/// <summary>
/// Whether bytes are one canonical DER element all the way down, checked with <see cref="AsnDecoder"/> under DER rules:
/// definite minimal lengths, sorted SET OF, DER BOOLEAN/BIT STRING/INTEGER/time forms, decodable character strings.
/// The fast parsers slice such input instead of re-encoding it, because BouncyCastle's DER re-encoding of it is the
/// input itself; anything else (BER, odd types) goes to BouncyCastle's full parse, which re-encodes.
/// Contents of primitive elements (OCTET STRING, BIT STRING, implicitly tagged primitives) are opaque: BouncyCastle
/// keeps them as they are when it re-encodes. Also the whole-second time reading both fast parsers share.
/// </summary>
internal static class DerCheck
{
    private const int MaxDepth = 32;

    /// <summary>A reader under DER rules (the fast readers' one way in).</summary>
    public static AsnReader Reader(ReadOnlyMemory<byte> encoded) => new(encoded, AsnEncodingRules.DER);

    public static bool IsDer(ReadOnlyMemory<byte> encoded) => IsDer(encoded.Span);

    /// <summary>Walked with the span decoder (<see cref="AsnDecoder"/>): no reader objects, nothing allocated.</summary>
    public static bool IsDer(ReadOnlySpan<byte> encoded)
    {
        try
        {
            return Element(encoded, 0, out var consumed) && consumed == encoded.Length;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static bool Element(ReadOnlySpan<byte> source, int depth, out int consumed)
    {
        const AsnEncodingRules der = AsnEncodingRules.DER;
        consumed = 0;
        if (depth > MaxDepth)
            return false;
        var tag = Asn1Tag.Decode(source, out _);
        if (tag.IsConstructed)
        {
            // SET OF must be sorted in DER; ReadSetOf checks the order (a SET, as opposed to SET OF, is never used in
            // certificates or CMS without being a SET OF).
            int offset, length;
            if (tag.HasSameClassAndValue(Asn1Tag.SetOf))
                AsnDecoder.ReadSetOf(source, der, out offset, out length, out consumed, skipSortOrderValidation: false, expectedTag: tag);
            else
                AsnDecoder.ReadSequence(source, der, out offset, out length, out consumed, expectedTag: tag);
            var inner = source.Slice(offset, length);
            while (!inner.IsEmpty)
            {
                if (!Element(inner, depth + 1, out var used))
                    return false;
                inner = inner[used..];
            }
            return true;
        }
        if (tag.TagClass != TagClass.Universal)
        {
            AsnDecoder.ReadEncodedValue(source, der, out _, out _, out consumed);
            return true;
        }
        switch ((UniversalTagNumber)tag.TagValue)
        {
            case UniversalTagNumber.Boolean: AsnDecoder.ReadBoolean(source, der, out consumed); return true;
            case UniversalTagNumber.Integer: AsnDecoder.ReadIntegerBytes(source, der, out consumed); return true;
            case UniversalTagNumber.Enumerated: AsnDecoder.ReadEnumeratedBytes(source, der, out consumed); return true;
            case UniversalTagNumber.BitString: return AsnDecoder.TryReadPrimitiveBitString(source, der, out _, out _, out consumed);
            case UniversalTagNumber.OctetString: return AsnDecoder.TryReadPrimitiveOctetString(source, der, out _, out consumed);
            case UniversalTagNumber.Null: AsnDecoder.ReadNull(source, der, out consumed); return true;
            // BouncyCastle keeps an OID's contents as they are (and the parsers read them strictly where they use them).
            case UniversalTagNumber.ObjectIdentifier: AsnDecoder.ReadEncodedValue(source, der, out _, out _, out consumed); return true;
            case UniversalTagNumber.UtcTime: AsnDecoder.ReadUtcTime(source, der, out consumed); return true;
            case UniversalTagNumber.GeneralizedTime: AsnDecoder.ReadGeneralizedTime(source, der, out consumed); return true;
            case UniversalTagNumber.UTF8String:
            case UniversalTagNumber.PrintableString:
            case UniversalTagNumber.IA5String:
            case UniversalTagNumber.BMPString:
            case UniversalTagNumber.T61String:
            case UniversalTagNumber.VisibleString:
            case UniversalTagNumber.NumericString:
            {
                // Decodable text: BouncyCastle re-encodes strings from their text, which must give the same bytes.
                var type = (UniversalTagNumber)tag.TagValue;
                Span<char> buffer = stackalloc char[256];
                if (!AsnDecoder.TryReadCharacterString(source, buffer, der, type, out consumed, out _))
                    AsnDecoder.ReadCharacterString(source, der, type, out consumed);
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
