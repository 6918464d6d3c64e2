using System.Globalization;
using System.Numerics;

namespace Signing.Bench.Shared;

/// <summary>
/// Configuration for provinces a test or a load run needs as tenants beyond the two the server ships with (33, 01): only
/// what a deployment sets per province, with a made-up but valid fee account (an IBAN that passes the mod-97 check).
/// </summary>
public static class SyntheticProvinces
{
    /// <summary>The tenants the server's own appsettings.json configures.</summary>
    public static readonly IReadOnlyList<string> Shipped = ["33", "01"];

    /// <summary>Plate codes 01..81.</summary>
    public static IReadOnlyList<string> AllCodes { get; } = Enumerable.Range(1, 81).Select(n => n.ToString("00", CultureInfo.InvariantCulture)).ToList();

    /// <summary>
    /// Settings (colon keys, as IConfiguration takes them) that add <paramref name="codes"/> as tenants, skipping the
    /// shipped ones, at Signing:Tenants indexes from <paramref name="firstIndex"/> on (after the shipped entries).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Settings(IEnumerable<string> codes, int firstIndex = 2)
    {
        var index = firstIndex;
        foreach (var code in codes.Distinct().Where(c => !Shipped.Contains(c)))
        {
            var key = $"Signing:Tenants:{index++}:";
            yield return new(key + "Code", code);
            yield return new(key + "FeeIban", Iban(code));
            yield return new(key + "FeeBank", "HALK BANKASI");
            yield return new(key + "DeskAddress", $"İl Sağlık Müdürlüğü, Sağlık Bilgi Sistemleri Birimi (test {code})");
        }
    }

    /// <summary>The same settings as environment variables (Signing__Tenants__2__Code=…) for a server started as a process.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment(IEnumerable<string> codes, int firstIndex = 2) =>
        Settings(codes, firstIndex).Select(s => new KeyValuePair<string, string>(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value));

    /// <summary>A valid TR IBAN for the province: bank 00012 (Halkbank's code), account number from the plate code.</summary>
    public static string Iban(string code)
    {
        var bban = "00012" + "0" + ("9000000000" + code.PadLeft(6, '0'));
        var check = 98 - (int)(BigInteger.Parse(bban + "292700", CultureInfo.InvariantCulture) % 97);
        return "TR" + check.ToString("00", CultureInfo.InvariantCulture) + bban;
    }
}
