using System.CommandLine;
using Signing.Bench.Shared;

namespace Signing.Load;

/// <summary>The provinces a command spreads its applications over: plate codes given as a comma list, or <c>all</c>.</summary>
public static class ProvinceList
{
    public const string All = "all";

    /// <summary>
    /// "all" (the 81 plate codes, 01..81) or a comma list of plate codes ("1" means "01"); a code given twice counts once,
    /// so every province gets the same share.
    /// </summary>
    public static IReadOnlyList<string> Parse(string text, string option)
    {
        text = text.Trim();
        if (text.Equals(All, StringComparison.OrdinalIgnoreCase))
            return SyntheticProvinces.AllCodes;
        var codes = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var code = part.Length == 1 ? "0" + part : part;
            if (!SyntheticProvinces.AllCodes.Contains(code))
                throw new ArgumentException($"{option}: '{part}' is not a plate code (01 to 81); give a comma list such as 33,01 or '{All}'");
            if (!codes.Contains(code))
                codes.Add(code);
        }
        return codes.Count > 0 ? codes : throw new ArgumentException($"{option} needs at least one plate code, or '{All}'");
    }

    /// <summary>The option refuses what <see cref="Parse"/> refuses while the command line is parsed (a usage error, exit 2).</summary>
    public static Option<string> Validated(this Option<string> option)
    {
        option.Validators.Add(result =>
        {
            try
            {
                Parse(result.GetValueOrDefault<string>() ?? "", option.Name);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        return option;
    }

    /// <summary>For reports: the codes when few, else their count and range.</summary>
    public static string Describe(IReadOnlyList<string> codes) =>
        codes.Count == 1 ? $"tenant {codes[0]}"
        : codes.Count <= ShortList ? $"{codes.Count} tenants ({string.Join(',', codes)})"
        : codes.Count == SyntheticProvinces.AllCodes.Count && !SyntheticProvinces.AllCodes.Except(codes).Any() ? $"{codes.Count} tenants (all provinces)"
        : $"{codes.Count} tenants ({string.Join(',', codes.Take(ShortList))},…)";

    /// <summary>Up to this many codes are listed in a report; more are a count.</summary>
    public const int ShortList = 8;
}
