using System.Globalization;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Signing.Hostile.Tests;

/// <summary>One change to one field of the request (a top-level field, or a field of a top-level message field).</summary>
public sealed record FieldChange(int Field, int Op, int A, int B, string Text)
{
    public override string ToString() => $"field#{Field} op{Op} a={A} b={B} text={Show(Text)}";

    public static string Show(string s)
    {
        var head = s.Length > 60 ? s[..60] + $"…({s.Length} chars)" : s;
        return "\"" + string.Concat(head.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";
    }
}

/// <summary>A generated case: which RPC, as whom, from the valid request or from nothing, with which changes.</summary>
public sealed record HostileCase(int Rpc, int Caller, bool FromTemplate, FieldChange[] Changes, int WireKind, int WireA, int WireB)
{
    public const int NoWireChange = -1;

    public RawRpc Method => RawRpc.All[Rpc % RawRpc.All.Count];
    public string CallerName => HostileWorld.CallerNames[Caller % HostileWorld.CallerNames.Length];

    public override string ToString() =>
        $"{Method.Name} as {CallerName}, {(FromTemplate ? "valid request" : "empty request")}, changes: [{string.Join("; ", Changes.Select(c => c.ToString()))}]"
        + (WireKind == NoWireChange ? "" : $", wire kind {WireKind} a={WireA} b={WireB}");
}

/// <summary>The generators: hostile values and cases over every RPC of esign.v1.</summary>
public static class Generators
{
    private static readonly string[] Tricky =
    [
        "", " ", "YENİLEME", "yenileme", "YENILEME", "Yenileme", "yenİleme", "YENİLEME ", " YENİLEME", "YEN\u0130LEME\u0000", "yeni\u0307leme",
        "NES", "nes", "Nes", "NEs ", "ı", "İ", "I", "i", "ş", "Ş", "ğ", "Ğ", "İıŞşĞğÜüÖöÇç", "MERSİN", "mersin", "Mersin",
        "NES 3 YILLIK BAŞVURUSU", "nes 3 yıllık başvurusu", "NES 3 YILLIK BASVURUSU", "AD-SOYAD-TC / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU",
        "33", "033", "3 3", "٣٣", "３３", "-33", "01", "999", "33\n", "0", "-1", "9223372036854775807", "1e308", "NaN",
        "10000000146", "00000000000", "12345678901", "1000000014", "100000001466", "1000000014a", "１0000000146",
        "780.00", "780,00", "-780.00", "780.000", "7.8e2", "0780.00", "780.00 TL", "TRY", "try", "TRL", "EUR",
        "TR41 0001 2009 5940 0005 0000 47", "tr41000120095940000500000047", "TR41 0001 2009 5940 0005 0000 48", "TR",
        "2026-12-02", "2026-02-30", "1900-01-01", "9999-12-31", "02.12.2026", "2026-12-02T00:00:00Z", "yesterday",
        "RECEIPT", "receipt", "PAPER", "SECOND_APPROVAL", "NOTHING", "nothing", "makbuz",
        "00000000-0000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}", "not-a-guid",
        "'; drop table signing.mt_events; --", "\" or 1=1 --", "{0}{1}%s%n%x", "${jndi:ldap://x}", "<script>alert(1)</script>",
        "{\"tenant\":\"33\"}", "null", "[]", "\\", "\u202eemeliney", "\ufeffYENİLEME", "\u0085", "\u2028", "\ud800", "\udfff",
        "a\u0000b", "\r\n", "\t", "🙂", "e\u0301", "ﬀ", "ß", "Σ", "\u00a0", "x@example.invalid", "@", "+90 324 000 00 00",
        "Bearer ", "eyJhbGciOiJub25lIn0.e30.",
    ];

    private static readonly long[] Numbers = [0, 1, 2, 3, -1, -2, 4, 100, 201, 1000, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 1L << 31, 1L << 32];

    /// <summary>Strings a hostile client sends where text goes.</summary>
    public static readonly Gen<string> HostileString = Gen.Frequency(
        (6, Gen.OneOf(Tricky)),
        (2, Gen.Char[(char)0, (char)0xFFFF].Array[0, 40].Select(a => new string(a))),
        (2, Gen.Char[(char)0, (char)0x1F].Array[1, 8].Select(a => "ad" + new string(a) + "soyad")),
        (1, Gen.Select(Gen.OneOf("İ", "a", "\n", "ı", "0"), Gen.Int[65, 70_000], (s, n) => string.Concat(Enumerable.Repeat(s, n)))),
        (1, Gen.Select(Gen.OneOf(Tricky), Gen.OneOf(Tricky), (x, y) => x + y)));

    /// <summary>One change to one field; the field is chosen later, from the RPC's own fields.</summary>
    public static readonly Gen<FieldChange> Change =
        Gen.Select(Gen.Int[0, 31], Gen.Int[0, 9], Gen.Int, Gen.Int, HostileString, (f, op, a, b, s) => new FieldChange(f, op, a, b, s));

    public static readonly Gen<HostileCase> Case =
        from rpc in Gen.Int[0, RawRpc.All.Count - 1]
        // Mostly callers who may call something, so cases get past sign-in to the checks behind it.
        from caller in Gen.Frequency((1, Gen.Const(0)), (3, Gen.Int[1, 3]), (1, Gen.Int[4, HostileWorld.CallerNames.Length - 1]))
        from template in Gen.Frequency((9, Gen.Const(true)), (1, Gen.Const(false)))
        from changes in Change.Array[0, 4]
        from wire in Gen.Frequency((3, Gen.Const(HostileCase.NoWireChange)), (1, Gen.Int[0, Wire.Kinds - 1]))
        from a in Gen.Int
        from b in Gen.Int
        select new HostileCase(rpc, caller, template, changes, wire, a, b);

    /// <summary>The leaves a change can land on: every field, and every field of a message-typed field.</summary>
    private static List<(FieldDescriptor? Parent, FieldDescriptor Field)> Targets(MessageDescriptor input)
    {
        var targets = new List<(FieldDescriptor?, FieldDescriptor)>();
        foreach (var f in input.Fields.InFieldNumberOrder())
        {
            targets.Add((null, f));
            if (f.FieldType == FieldType.Message && !f.IsRepeated)
                targets.AddRange(f.MessageType.Fields.InFieldNumberOrder().Select(g => ((FieldDescriptor?)f, g)));
        }
        return targets;
    }

    /// <summary>Applies the change to the request (a no-op for a request without fields).</summary>
    public static void Apply(IMessage request, FieldChange change, HostileWorld world)
    {
        var targets = Targets(request.Descriptor);
        if (targets.Count == 0)
            return;
        var (parent, field) = targets[change.Field % targets.Count];
        var owner = request;
        if (parent is not null)
        {
            owner = (IMessage?)parent.Accessor.GetValue(request) ?? (IMessage)Activator.CreateInstance(parent.MessageType.ClrType)!;
            parent.Accessor.SetValue(request, owner);
        }
        var current = field.Accessor.GetValue(owner);
        object? value = field.FieldType switch
        {
            FieldType.String => StringValue((string)current, change, world),
            FieldType.Bytes => ByteString.CopyFrom(BytesValue(((ByteString)current).ToByteArray(), change, world)),
            FieldType.Int32 => (int)Numbers[(uint)change.A % Numbers.Length],
            FieldType.Int64 => Numbers[(uint)change.A % Numbers.Length],
            FieldType.Bool => (change.A & 1) == 1,
            FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, change.Op < 5 ? change.A % 12 : change.A),
            FieldType.Message when field.MessageType.ClrType == typeof(Google.Protobuf.WellKnownTypes.Timestamp) =>
                new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = Numbers[(uint)change.A % Numbers.Length], Nanos = change.B },
            FieldType.Message => change.Op < 5 ? null : Activator.CreateInstance(field.MessageType.ClrType),
            _ => current,
        };
        field.Accessor.SetValue(owner, value!);
    }

    private static string StringValue(string current, FieldChange change, HostileWorld world) => change.Op switch
    {
        0 => current.ToUpper(CultureInfo.GetCultureInfo("tr-TR")),
        1 => current.ToLower(CultureInfo.GetCultureInfo("tr-TR")),
        2 => current.ToUpperInvariant(),
        3 => current + change.Text,
        4 => change.Text + current,
        5 => current.Length == 0 ? "" : current[..(int)((uint)change.A % current.Length)],
        6 => world.ApplicationIds[(int)((uint)change.A % world.ApplicationIds.Count)],
        _ => change.Text,
    };

    private static byte[] BytesValue(byte[] current, FieldChange change, HostileWorld world)
    {
        var corpus = world.DerCorpus;
        var seed = current.Length > 0 ? current : corpus[(int)((uint)change.B % corpus.Count)];
        return change.Op switch
        {
            9 => [],
            8 => System.Text.Encoding.UTF8.GetBytes(change.Text),
            _ => Der.Mutate(seed, change.Op * 7 + change.A, change.A, change.B, corpus),
        };
    }
}
