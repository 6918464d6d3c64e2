using System.Numerics;

namespace Signing.Domain;

/// <summary>A Turkish IBAN: "TR", 2 check digits, 22 digits (26 characters), ISO 13616 mod-97 check = 1.</summary>
public readonly record struct Iban
{
    /// <summary>Compact form, no spaces: TR410001200959400005000047.</summary>
    public string Value { get; }

    private Iban(string value) => Value = value;

    public static string Normalize(string text) =>
        new(text.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());

    public static bool TryParse(string? text, out Iban iban)
    {
        iban = default;
        if (text is null)
            return false;
        var s = Normalize(text);
        if (s.Length != 26 || !s.StartsWith("TR", StringComparison.Ordinal) || !s[2..].All(char.IsAsciiDigit))
            return false;
        // Move the country code and check digits to the end, letters to numbers (T=29, R=27), mod 97 must be 1.
        var rearranged = s[4..] + "2927" + s[2..4];
        if (BigInteger.Parse(rearranged) % 97 != 1)
            return false;
        iban = new Iban(s);
        return true;
    }

    public static Iban Parse(string text) =>
        TryParse(text, out var iban) ? iban : throw new FormatException("Not a valid TR IBAN (26 characters, mod-97 check).");

    /// <summary>Printed form in groups of four: TR41 0001 2009 5940 0005 0000 47.</summary>
    public string Formatted
    {
        get
        {
            var v = Value ?? "";
            return string.Join(' ', Enumerable.Range(0, (v.Length + 3) / 4).Select(i => v.Substring(i * 4, Math.Min(4, v.Length - i * 4))));
        }
    }

    public override string ToString() => Formatted;
}
