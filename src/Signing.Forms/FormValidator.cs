namespace Signing.Forms;

/// <summary>
/// Rejects a form that would print wrong or not at all, naming the field. The applicant's fields follow
/// <see cref="FormFields"/>, the rules the server checks before storing; the directorate's come from configuration.
/// The TCKN and IBAN checks
/// repeat the domain's rules on purpose: this library is a leaf and must not reference Signing.Domain.
/// </summary>
internal static class FormValidator
{
    public const int MaxCodeLength = 20;

    public static void Validate(PrintableForm form)
    {
        if (form.ApplicationId == Guid.Empty)
        {
            throw new ArgumentException("ApplicationId must not be empty.", nameof(PrintableForm.ApplicationId));
        }

        var code = form.ApplicationCode;
        if (string.IsNullOrWhiteSpace(code))
        {
            throw new ArgumentException("ApplicationCode must not be empty.", nameof(PrintableForm.ApplicationCode));
        }
        if (code.Length > MaxCodeLength)
        {
            throw new ArgumentException($"ApplicationCode must be at most {MaxCodeLength} characters (got {code.Length}).", nameof(PrintableForm.ApplicationCode));
        }
        if (code.Any(ch => ch < 0x20 || ch > 0x7E) || code.Trim().Length != code.Length)
        {
            throw new ArgumentException("ApplicationCode must be printable ASCII without leading or trailing spaces.", nameof(PrintableForm.ApplicationCode));
        }

        ValidateTckn(form.Tckn);

        Required(form.DirectorateName, nameof(PrintableForm.DirectorateName), 120);
        Required(form.DeskAddress, nameof(PrintableForm.DeskAddress), 200);
        Applicant(form.GivenNames, nameof(PrintableForm.GivenNames), FormFields.GivenNames);
        Applicant(form.Surname, nameof(PrintableForm.Surname), FormFields.Surname);
        Required(form.Category, nameof(PrintableForm.Category), 60);
        Required(form.Reason, nameof(PrintableForm.Reason), 60);
        Required(form.CertificateKind, nameof(PrintableForm.CertificateKind), 60);
        if (form.TermYears is < 1 or > 10)
        {
            throw new ArgumentException($"TermYears must be between 1 and 10 (got {form.TermYears}).", nameof(PrintableForm.TermYears));
        }
        Applicant(form.Email, nameof(PrintableForm.Email), FormFields.Email);
        Applicant(form.Phone, nameof(PrintableForm.Phone), FormFields.Phone);
        Applicant(form.DeliveryAddress, nameof(PrintableForm.DeliveryAddress), FormFields.DeliveryAddress);
        Applicant(form.Institution, nameof(PrintableForm.Institution), FormFields.Institution);
        if (form.SubmittedAt == default)
        {
            throw new ArgumentException("SubmittedAt must be set.", nameof(PrintableForm.SubmittedAt));
        }

        if (form.Fee is { } fee)
        {
            Required(fee.Amount, "Fee.Amount", 30);
            Required(fee.Bank, "Fee.Bank", 100);
            Required(fee.Recipient, "Fee.Recipient", 150);
            Required(fee.Description, "Fee.Description", 200);
            ValidateIban(fee.Iban);
        }
    }

    /// <summary>The IBAN without spaces, upper-cased.</summary>
    public static string CompactIban(string iban) =>
        new string(iban.Where(ch => ch != ' ').ToArray()).ToUpperInvariant();

    private static void ValidateTckn(string? tckn)
    {
        const string field = nameof(PrintableForm.Tckn);
        if (tckn is null || tckn.Length != 11 || !tckn.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("Tckn must be exactly 11 digits.", field);
        }
        var d = tckn.Select(ch => ch - '0').ToArray();
        var odd = d[0] + d[2] + d[4] + d[6] + d[8];
        var even = d[1] + d[3] + d[5] + d[7];
        var tenth = ((odd * 7 - even) % 10 + 10) % 10;
        if (d[0] == 0 || d[9] != tenth || d[10] != d.Take(10).Sum() % 10)
        {
            // The full number is deliberately not echoed: messages end up in logs.
            throw new ArgumentException("Tckn fails the TCKN checksum.", field);
        }
    }

    private static void ValidateIban(string? iban)
    {
        const string field = "Fee.Iban";
        if (string.IsNullOrWhiteSpace(iban))
        {
            throw new ArgumentException("Fee.Iban must not be empty.", field);
        }
        var compact = CompactIban(iban);
        if (compact.Length is < 15 or > 34 || !compact.All(char.IsAsciiLetterOrDigit)
            || !char.IsAsciiLetter(compact[0]) || !char.IsAsciiLetter(compact[1]))
        {
            throw new ArgumentException("Fee.Iban is not an IBAN (country code, check digits, 11–30 letters or digits).", field);
        }
        // ISO 13616: move the first four characters to the end, letters → 10..35, the number mod 97 must be 1.
        var remainder = 0;
        foreach (var ch in compact[4..] + compact[..4])
        {
            var value = char.IsAsciiDigit(ch) ? ch - '0' : ch - 'A' + 10;
            remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
        }
        if (remainder != 1)
        {
            throw new ArgumentException("Fee.Iban fails the mod-97 check.", field);
        }
    }

    /// <summary>The applicant's own fields: the rules the server applied before storing (<see cref="FormFields"/>).</summary>
    private static void Applicant(string? value, string field, FormField rule)
    {
        if (rule.Check(value) is { } problem)
        {
            throw new ArgumentException($"{field} {problem.Description}.", field);
        }
    }

    private static void Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{field} must not be empty.", field);
        }
        Optional(value, field, maxLength);
    }

    private static void Optional(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            throw new ArgumentException($"{field} must not be null (use \"\").", field);
        }
        if (value.Length > maxLength)
        {
            throw new ArgumentException($"{field} must be at most {maxLength} characters (got {value.Length}).", field);
        }
        if (!value.All(FormFields.IsPrintable))
        {
            throw new ArgumentException($"{field} must hold only characters the form's font prints (no control characters).", field);
        }
    }
}
