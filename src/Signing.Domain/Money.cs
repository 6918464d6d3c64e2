using System.Globalization;

namespace Signing.Domain;

/// <summary>An amount in Turkish lira, exact (decimal, kuruş precision). 780.00 TRY and 780 TRY are equal.</summary>
public readonly record struct Money
{
    public const string Try = "TRY";

    public decimal Amount { get; }
    public string Currency => Try;

    private Money(decimal amount) => Amount = amount;

    public static Money Tl(decimal amount)
    {
        if (amount < 0)
            throw new ArgumentOutOfRangeException(nameof(amount), "An amount is never negative.");
        if (decimal.Round(amount, 2) != amount)
            throw new ArgumentOutOfRangeException(nameof(amount), "Lira amounts have at most 2 decimals (kuruş).");
        return new Money(amount);
    }

    /// <summary>Parses "780,00", "780.00" or "780" as written on a Turkish receipt or by a machine.</summary>
    public static bool TryParse(string? text, out Money money)
    {
        money = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var t = text.Trim().Replace("TL", "", StringComparison.OrdinalIgnoreCase).Replace("TRY", "", StringComparison.OrdinalIgnoreCase).Trim();
        var culture = t.Contains(',') ? CultureInfo.GetCultureInfo("tr-TR") : CultureInfo.InvariantCulture;
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands, culture, out var amount)
            || decimal.Round(amount, 2) != amount)
            return false;
        money = new Money(amount);
        return true;
    }

    /// <summary>Turkish printed form: 780,00 TL.</summary>
    public override string ToString() => Amount.ToString("N2", CultureInfo.GetCultureInfo("tr-TR")) + " TL";
}
