using Google.Protobuf;

namespace Signing.Hostile.Tests;

/// <summary>Changes to DER: the mutations a broken card, a careless client or an attacker would send.</summary>
public static class Der
{
    public const int Kinds = 9;

    public static byte[] Mutate(byte[] der, int kind, int a, int b, IReadOnlyList<byte[]> corpus)
    {
        if (der.Length == 0)
            return kind % 2 == 0 ? [] : [0x30, 0x80];
        var tlvs = Walk(der);
        var at = (int)((uint)a % der.Length);
        var copy = (byte[])der.Clone();
        switch ((int)((uint)kind % Kinds))
        {
            case 0: // one bit flipped
                copy[at] ^= (byte)(1 << (b & 7));
                return copy;
            case 1: // truncated
                return der[..at];
            case 2: // a length field claims another length (short form changed, or long form pointing past the end)
            {
                var (_, length) = tlvs[(int)((uint)b % tlvs.Count)];
                if (length >= copy.Length)
                    return copy;
                if ((copy[length] & 0x80) == 0)
                    copy[length] = (byte)((copy[length] + 1 + (a & 0x7e)) & 0x7f);
                else
                    return [.. der[..length], 0x84, 0x7f, 0xff, 0xff, 0xff, .. der[(length + 1)..]];
                return copy;
            }
            case 3: // a wrong tag
            {
                var (tag, _) = tlvs[(int)((uint)a % tlvs.Count)];
                copy[tag] = (byte)b;
                return copy;
            }
            case 4: // bytes inserted
                return [.. der[..at], .. BitConverter.GetBytes(b), .. der[at..]];
            case 5: // a range cut out
                return [.. der[..at], .. der[Math.Min(der.Length, at + 1 + (b & 0xff))..]];
            case 6: // spliced with another valid structure
            {
                var other = corpus[(int)((uint)b % corpus.Count)];
                return [.. der[..at], .. other[Math.Min(other.Length, at)..]];
            }
            case 7: // wrapped in deep indefinite-length nesting (BER, not DER)
            {
                var depth = 1 + (int)((uint)b % 20_000);
                var nested = new byte[depth * 4 + der.Length];
                for (var i = 0; i < depth; i++)
                {
                    nested[i * 2] = 0x30;
                    nested[i * 2 + 1] = 0x80;
                }
                der.CopyTo(nested, depth * 2); // the end-of-contents octets (00 00) follow as zeros
                return nested;
            }
            default: // another valid structure where this one was expected (a certificate for a CMS, …)
                return corpus[(int)((uint)b % corpus.Count)];
        }
    }

    /// <summary>(tag offset, length offset) of every TLV that parses, outermost first; at least the first byte.</summary>
    private static List<(int Tag, int Length)> Walk(byte[] der)
    {
        var found = new List<(int, int)>();
        Walk(der, 0, der.Length, found, 0);
        if (found.Count == 0)
            found.Add((0, Math.Min(1, der.Length - 1)));
        return found;
    }

    private static void Walk(byte[] der, int from, int to, List<(int, int)> found, int depth)
    {
        var i = from;
        while (i + 1 < to && depth < 64 && found.Count < 4096)
        {
            var tag = der[i];
            var lengthAt = i + 1;
            int length, header;
            if ((der[lengthAt] & 0x80) == 0)
            {
                length = der[lengthAt];
                header = 2;
            }
            else
            {
                var n = der[lengthAt] & 0x7f;
                if (n is 0 or > 3 || lengthAt + n >= to)
                    return;
                length = 0;
                for (var k = 1; k <= n; k++)
                    length = (length << 8) | der[lengthAt + k];
                header = 2 + n;
            }
            if (i + header + length > to)
                return;
            found.Add((i, lengthAt));
            if ((tag & 0x20) != 0)
                Walk(der, i + header, i + header + length, found, depth + 1);
            i += header + length;
        }
    }
}

/// <summary>Changes to the protobuf wire bytes that no generated client produces.</summary>
public static class Wire
{
    public const int Kinds = 10;
    private static readonly byte[][] BadUtf8 =
    [
        [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82],
        [0x59, 0x45, 0x4e, 0xc4, 0x4c, 0x45, 0x4d, 0x45], // "YENİLEME" with İ cut to its first byte
        [0xfe, 0xff, 0x00, 0x59], [0x80, 0x80, 0x80],
    ];

    /// <summary>The field numbers of the message's string fields (none: an unknown one).</summary>
    public static byte[] Mutate(byte[] wire, Google.Protobuf.Reflection.MessageDescriptor input, int kind, int a, int b)
    {
        var fields = input.Fields.InFieldNumberOrder();
        var field = fields.Count == 0 ? 15 : fields[(int)((uint)a % fields.Count)].FieldNumber;
        var strings = fields.Where(f => f.FieldType == Google.Protobuf.Reflection.FieldType.String).Select(f => f.FieldNumber).ToList();
        using var extra = new MemoryStream();
        var output = new CodedOutputStream(extra, leaveOpen: true);
        switch ((int)((uint)kind % Kinds))
        {
            case 0: // a string field whose bytes are not UTF-8 (the last occurrence of a field wins)
                output.WriteTag(strings.Count == 0 ? field : strings[(int)((uint)b % strings.Count)], WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(BadUtf8[(int)((uint)b % BadUtf8.Length)]));
                break;
            case 1: // a known field with the wrong wire type
                var type = (WireFormat.WireType)((uint)b % 6);
                output.WriteTag(field, type);
                if (type == WireFormat.WireType.LengthDelimited) output.WriteBytes(ByteString.CopyFromUtf8("x"));
                else if (type == WireFormat.WireType.Fixed32) output.WriteFixed32(7);
                else if (type == WireFormat.WireType.Fixed64) output.WriteFixed64(7);
                else if (type == WireFormat.WireType.Varint) output.WriteUInt64(ulong.MaxValue);
                break;
            case 2: // deeply nested groups (an unknown field), closed or not
            {
                var depth = 1 + (int)((uint)b % 100_000);
                for (var i = 0; i < depth; i++) output.WriteTag(1000, WireFormat.WireType.StartGroup);
                if ((a & 1) == 0)
                    for (var i = 0; i < depth; i++) output.WriteTag(1000, WireFormat.WireType.EndGroup);
                break;
            }
            case 3: // nesting inside a known field: a length-delimited value full of groups
            {
                var inner = new MemoryStream();
                var nested = new CodedOutputStream(inner, leaveOpen: true);
                var depth = 1 + (int)((uint)b % 5_000);
                for (var i = 0; i < depth; i++) nested.WriteTag(9, WireFormat.WireType.StartGroup);
                for (var i = 0; i < depth; i++) nested.WriteTag(9, WireFormat.WireType.EndGroup);
                nested.Flush();
                output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
                break;
            }
            case 4: // truncated
                return wire.Length == 0 ? [0x0a] : wire[..(int)((uint)a % wire.Length)];
            case 5: // noise
                return BitConverter.GetBytes((long)a * b).Concat(wire.Skip(1)).ToArray();
            case 6: // a length past the end
                output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                output.WriteUInt32(0x7fff_fff0);
                Raw(output, extra, [0x01]);
                break;
            case 7: // a varint that never ends, or a field number 0 / out of range
                if ((b & 1) == 0)
                    Raw(output, extra, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
                else
                    Raw(output, extra, [0x02, 0x00]);
                break;
            case 8: // just over the message limit (1 MB), or over the transport's hard cap
            {
                var size = ((b & 3) == 0 ? 4 : 1) * 1024 * 1024 + (int)((uint)a % 65_536) + 1;
                output.WriteTag(2000, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(new byte[size]));
                break;
            }
            default: // unknown fields of every wire type
                output.WriteTag(536_870_911, WireFormat.WireType.Varint);
                output.WriteInt64(long.MinValue);
                output.WriteTag(3000, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(BitConverter.GetBytes(a)));
                output.WriteTag(3001, WireFormat.WireType.Fixed32);
                output.WriteFixed32((uint)b);
                break;
        }
        output.Flush();
        return [.. wire, .. extra.ToArray()];
    }

    /// <summary>Bytes no CodedOutputStream method writes (broken varints, field number 0), after what it wrote so far.</summary>
    private static void Raw(CodedOutputStream output, MemoryStream stream, byte[] bytes)
    {
        output.Flush();
        stream.Write(bytes);
    }
}
