using System.Globalization;

namespace Signing.Domain;

/// <summary>One of Türkiye's 81 provinces: its plate code ("01".."81", the tenant code of its health directorate) and official name.</summary>
public sealed record Province(string Code, string Name)
{
    private static readonly CultureInfo Tr = CultureInfo.GetCultureInfo("tr-TR");

    /// <summary>The directorate's name as the ministry writes it ("Mersin İl Sağlık Müdürlüğü").</summary>
    public string DirectorateName => Name + " İl Sağlık Müdürlüğü";

    /// <summary>The province's name in capitals, Turkish casing (İzmir → İZMİR, Iğdır → IĞDIR).</summary>
    public string UpperName => Name.ToUpper(Tr);
}

/// <summary>
/// The catalog of provinces, shipped as data (Data/provinces.tsv): a deployment names its tenants by plate code and
/// configures only what differs per province.
/// </summary>
public static class Provinces
{
    private static readonly Lazy<IReadOnlyList<Province>> Catalog = new(Load);

    /// <summary>All 81, in plate-code order.</summary>
    public static IReadOnlyList<Province> All => Catalog.Value;

    public static Province? Find(string? code) =>
        code is { Length: 2 } && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 81
            ? All[n - 1] : null;

    private static IReadOnlyList<Province> Load()
    {
        using var stream = typeof(Provinces).Assembly.GetManifestResourceStream("Signing.Domain.provinces.tsv")
            ?? throw new InvalidOperationException("the province catalog (provinces.tsv) is missing from Signing.Domain");
        using var reader = new StreamReader(stream);
        var provinces = new List<Province>(81);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var parts = line.Split('\t');
            if (parts.Length != 2 || parts[0] != (provinces.Count + 1).ToString("00", CultureInfo.InvariantCulture))
                throw new InvalidDataException($"provinces.tsv: line '{line}' is out of plate-code order or not 'code<TAB>name'");
            provinces.Add(new Province(parts[0], parts[1]));
        }
        return provinces.Count == 81 ? provinces : throw new InvalidDataException($"provinces.tsv: {provinces.Count} provinces, not 81");
    }
}
