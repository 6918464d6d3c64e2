using System.Text.RegularExpressions;

namespace Signing.Domain;

/// <summary>
/// The Turkish national ID number (T.C. Kimlik No): 11 digits, first digit not 0, two check digits.
/// d10 = ((d1+d3+d5+d7+d9)*7 - (d2+d4+d6+d8)) mod 10; d11 = (d1+...+d10) mod 10.
/// </summary>
public readonly partial record struct Tckn
{
    public string Value { get; }

    private Tckn(string value) => Value = value;

    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != 11 || text[0] == '0' || !text.All(char.IsAsciiDigit))
            return false;
        return text[9..] == CheckDigits(text.AsSpan(0, 9));
    }

    /// <summary>
    /// The TCKN whose first nine digits are <paramref name="firstNine"/> (first not 0), with its two check digits:
    /// for test worlds and load pools that need valid numbers belonging to nobody.
    /// </summary>
    public static Tckn WithCheckDigits(string firstNine)
    {
        if (firstNine.Length != 9 || firstNine[0] == '0' || !firstNine.All(char.IsAsciiDigit))
            throw new ArgumentException("nine digits, the first not 0", nameof(firstNine));
        return new Tckn(firstNine + CheckDigits(firstNine));
    }

    private static string CheckDigits(ReadOnlySpan<char> nine)
    {
        int odd = 0, even = 0;
        for (var i = 0; i < 9; i++)
        {
            if (i % 2 == 0)
                odd += nine[i] - '0';
            else
                even += nine[i] - '0';
        }
        // ((odd*7 - even) mod 10) with a non-negative remainder: C#'s % keeps the sign.
        var d10 = ((odd * 7 - even) % 10 + 10) % 10;
        var d11 = (odd + even + d10) % 10;
        return $"{d10}{d11}";
    }

    private static readonly string[] SerialNumberPrefixes = ["TCKN", "TR", "IDCTR-", "PNOTR-"];

    /// <summary>
    /// The TCKN in a certificate subject's serialNumber (plain digits, or with a "TCKN"/"TR"/"IDCTR-"/"PNOTR-" prefix
    /// some CAs use), or null when it holds no valid TCKN.
    /// </summary>
    public static string? FromSubjectSerialNumber(string? serialNumber)
    {
        if (serialNumber is null)
            return null;
        var s = serialNumber.Trim();
        foreach (var prefix in SerialNumberPrefixes)
        {
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && s.Length == prefix.Length + 11)
                s = s[prefix.Length..];
        }
        return IsValid(s) ? s : null;
    }

    public static bool TryParse(string? text, out Tckn tckn)
    {
        var trimmed = text?.Trim();
        if (IsValid(trimmed))
        {
            tckn = new Tckn(trimmed!);
            return true;
        }
        tckn = default;
        return false;
    }

    public static Tckn Parse(string text) =>
        TryParse(text, out var tckn) ? tckn : throw new FormatException("Not a valid TCKN (11 digits with correct check digits).");

    /// <summary>Digits a mask shows: the first three only.</summary>
    public const int MaskShownDigits = 3;

    /// <summary>
    /// For logs and screens: 123********. The check digits follow from the first nine, so showing them would narrow the
    /// number as much as two more free digits; the first three alone leave 10^6 valid TCKNs per mask. A full TCKN is
    /// personal data and is never logged.
    /// </summary>
    public string Mask() => Mask(Value);

    public static string Mask(string? value) =>
        value is { Length: 11 } ? value[..MaskShownDigits] + new string('*', 11 - MaskShownDigits) : "***********";

    /// <summary>
    /// The text with every TCKN in it masked: any run of exactly 11 ASCII digits, first not 0, whose check digits hold
    /// (also when letters touch it, as in "TR12345678950"). Other numbers are left alone.
    /// </summary>
    public static string MaskAll(string text)
    {
        if (text.Length < 11)
            return text;
        return ElevenDigits().Replace(text, m => IsValid(m.Value) ? Mask(m.Value) : m.Value);
    }

    [GeneratedRegex("(?<![0-9])[1-9][0-9]{10}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex ElevenDigits();

    /// <summary>Masked on purpose, so a TCKN interpolated into a log line does not leak.</summary>
    public override string ToString() => Mask();
}
