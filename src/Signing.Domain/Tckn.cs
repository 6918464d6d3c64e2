namespace Signing.Domain;

/// <summary>
/// The Turkish national ID number (T.C. Kimlik No): 11 digits, first digit not 0, two check digits.
/// d10 = ((d1+d3+d5+d7+d9)*7 - (d2+d4+d6+d8)) mod 10; d11 = (d1+...+d10) mod 10.
/// </summary>
public readonly record struct Tckn
{
    public string Value { get; }

    private Tckn(string value) => Value = value;

    public static bool IsValid(string? text)
    {
        if (text is null || text.Length != 11 || text[0] == '0')
            return false;
        var d = new int[11];
        for (var i = 0; i < 11; i++)
        {
            if (text[i] < '0' || text[i] > '9')
                return false;
            d[i] = text[i] - '0';
        }
        var odd = d[0] + d[2] + d[4] + d[6] + d[8];
        var even = d[1] + d[3] + d[5] + d[7];
        // ((odd*7 - even) mod 10) with a non-negative remainder: C#'s % keeps the sign.
        var d10 = (((odd * 7) - even) % 10 + 10) % 10;
        if (d[9] != d10)
            return false;
        var d11 = (odd + even + d[9]) % 10;
        return d[10] == d11;
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

    /// <summary>For logs: 123******01. A full TCKN is personal data and is never logged.</summary>
    public string Mask() => Mask(Value);

    public static string Mask(string? value) =>
        value is { Length: 11 } ? value[..3] + "******" + value[9..] : "***********";

    /// <summary>Masked on purpose, so a TCKN interpolated into a log line does not leak.</summary>
    public override string ToString() => Mask();
}
