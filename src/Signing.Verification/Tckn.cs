namespace Signing.Verification;

/// <summary>The Turkish national id number (T.C. Kimlik No) checksum.</summary>
public static class Tckn
{
    /// <summary>11 digits, first not 0, d10 = ((d1+d3+d5+d7+d9)·7 − (d2+d4+d6+d8)) mod 10, d11 = (d1+…+d10) mod 10.</summary>
    public static bool IsValid(string? value)
    {
        if (value is not { Length: 11 } || value[0] == '0' || !value.All(char.IsAsciiDigit))
            return false;
        var d = value.Select(c => c - '0').ToArray();
        var odd = d[0] + d[2] + d[4] + d[6] + d[8];
        var even = d[1] + d[3] + d[5] + d[7];
        var d10 = ((odd * 7 - even) % 10 + 10) % 10;
        return d[9] == d10 && d[10] == d.Take(10).Sum() % 10;
    }

    /// <summary>The TCKN in a subject serialNumber (plain digits, or with a "TCKN"/"TR" prefix some CAs use), or null.</summary>
    public static string? FromSubjectSerialNumber(string? serialNumber)
    {
        if (serialNumber is null)
            return null;
        var s = serialNumber.Trim();
        foreach (var prefix in new[] { "TCKN", "TR", "IDCTR-", "PNOTR-" })
        {
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && s.Length == prefix.Length + 11)
                s = s[prefix.Length..];
        }
        return IsValid(s) ? s : null;
    }
}
