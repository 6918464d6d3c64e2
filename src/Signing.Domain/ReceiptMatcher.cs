namespace Signing.Domain;

/// <summary>
/// Checks a bank receipt (dekont) against what the directorate requires: the fee, its account, and a description
/// reading AD-SOYAD-TC / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU — the payer's given name, surname and TCKN, then the phrase.
/// Compared with tr-TR upper-casing; spacing and punctuation do not matter, letters do.
/// </summary>
public static class ReceiptMatcher
{
    public sealed record Mismatch(string Code, string Message);

    public static IReadOnlyList<Mismatch> Check(Receipt receipt, Money expectedFee, Iban expectedIban, PersonName payer, Tckn payerTckn)
    {
        var problems = new List<Mismatch>();
        if (receipt.Amount != expectedFee)
            problems.Add(new(ErrorCodes.ReceiptAmount, $"the amount is {receipt.Amount}, the fee is {expectedFee}"));
        if (receipt.Iban != expectedIban)
            problems.Add(new(ErrorCodes.ReceiptIban, $"the payment went to {receipt.Iban}, the fee account is {expectedIban}"));

        var words = TurkishText.Words(receipt.Description);
        var compact = TurkishText.Compact(receipt.Description);
        // Names are matched word by word, so "ALİ" is not found inside "KALİTE"; a given name of two words must appear in order.
        if (!ContainsSequence(words, TurkishText.Words(payer.GivenName)))
            problems.Add(new(ErrorCodes.ReceiptGivenName, $"the description does not hold the payer's given name {payer.GivenName.ToUpper(TurkishText.Culture)}"));
        if (!ContainsSequence(words, TurkishText.Words(payer.Surname)))
            problems.Add(new(ErrorCodes.ReceiptSurname, $"the description does not hold the payer's surname {payer.Surname.ToUpper(TurkishText.Culture)}"));
        if (!TurkishText.DigitsOnly(receipt.Description).Contains(payerTckn.Value, StringComparison.Ordinal))
            problems.Add(new(ErrorCodes.ReceiptTckn, $"the description does not hold the payer's TCKN ({payerTckn.Mask()})"));
        if (!compact.Contains(TurkishText.Compact(KamuSm.ReceiptPhrase), StringComparison.Ordinal))
            problems.Add(new(ErrorCodes.ReceiptPhrase, $"the description does not hold the phrase \"{KamuSm.ReceiptPhrase}\""));
        if (receipt.FileSha256.Length != 64 || !receipt.FileSha256.All(Uri.IsHexDigit))
            problems.Add(new(ErrorCodes.ReceiptFileHash, "the scanned receipt's SHA-256 must be 64 hex digits"));
        return problems;
    }

    /// <summary>
    /// The earliest payment date accepted, in days before the application's submission: a renewal is applied for within
    /// the 3-month window before expiry, so a transfer older than about six months belongs to something else.
    /// </summary>
    public const int MaxDaysPaidBeforeSubmission = 180;

    /// <summary>
    /// The payment date against the calendar in Turkey: not after today, not more than
    /// <see cref="MaxDaysPaidBeforeSubmission"/> days before the submission day. Null when the date is plausible.
    /// </summary>
    public static Mismatch? CheckDate(DateOnly paidOn, DateTimeOffset submittedAt, DateTimeOffset now)
    {
        var today = TurkishDate(now);
        if (paidOn > today)
            return new(ErrorCodes.ReceiptPaidInFuture, $"the receipt is dated {paidOn:yyyy-MM-dd}, after today ({today:yyyy-MM-dd}, Turkish time)");
        var earliest = TurkishDate(submittedAt).AddDays(-MaxDaysPaidBeforeSubmission);
        if (paidOn < earliest)
            return new(ErrorCodes.ReceiptPaidTooEarly,
                $"the receipt is dated {paidOn:yyyy-MM-dd}, more than {MaxDaysPaidBeforeSubmission} days before the application (earliest {earliest:yyyy-MM-dd})");
        return null;
    }

    private static DateOnly TurkishDate(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(TurkeyTime.Offset).DateTime);

    /// <summary>The exact description a payer should write: "AYŞE YILMAZ 12345678950 NES 3 YILLIK BAŞVURUSU".</summary>
    public static string DescriptionFor(PersonName payer, Tckn tckn) => $"{payer.Upper} {tckn.Value} {KamuSm.ReceiptPhrase}";

    private static bool ContainsSequence(IReadOnlyList<string> words, IReadOnlyList<string> needle)
    {
        if (needle.Count == 0)
            return false;
        for (var i = 0; i + needle.Count <= words.Count; i++)
        {
            var all = true;
            for (var j = 0; j < needle.Count && all; j++)
                all = words[i + j] == needle[j];
            if (all)
                return true;
        }
        return false;
    }
}
