namespace Signing.Verification;

/// <summary>The Turkish national id number (T.C. Kimlik No) as it appears in certificates.</summary>
public static class Tckn
{
    /// <summary>The checksum rule lives once, in the domain (DOMAIN.md).</summary>
    public static bool IsValid(string? value) => Signing.Domain.Tckn.IsValid(value);

    private static readonly string[] Prefixes = ["TCKN", "TR", "IDCTR-", "PNOTR-"];

    /// <summary>The TCKN in a subject serialNumber (plain digits, or with a "TCKN"/"TR" prefix some CAs use), or null.</summary>
    public static string? FromSubjectSerialNumber(string? serialNumber)
    {
        if (serialNumber is null)
            return null;
        var s = serialNumber.Trim();
        foreach (var prefix in Prefixes)
        {
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && s.Length == prefix.Length + 11)
                s = s[prefix.Length..];
        }
        return IsValid(s) ? s : null;
    }
}
