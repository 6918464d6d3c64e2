using System.Text;
using System.Text.RegularExpressions;

namespace Signing.Domain;

/// <summary>One row of an HR file or an import stream, as sent: text fields, not yet judged.</summary>
public sealed record RawRosterRow(int Row, string? Tckn, string? Name, string? Category, string? Institution, string? Email, string? Phone, string? Active);

/// <summary>One person on the staff list, judged: what the renewal needs and nothing more (KVKK).</summary>
public sealed record RosterEntry(Tckn Tckn, string Name, StaffCategory Category, string Institution, string? Email, string? Phone, bool Active);

/// <summary>A refused row: the field at fault (tckn, name, category, institution, email, phone, active, or row) and why, in English.</summary>
public sealed record RosterProblem(int Row, string Field, string Reason, string TcknMasked);

/// <summary>
/// An import's record on the tenant's roster stream: how many rows came and what they changed, who imported them and from
/// where. It names nobody on the roster: the people are in the roster rows, whose contact data may later be erased.
/// </summary>
public sealed record RosterImported(string Source, string ImportedBy, bool Complete, int Received, int Added, int Changed,
    int Deactivated, int Unchanged, int Refused, DateTimeOffset At);

/// <summary>Judging the rows of a roster import, one by one and for the import as a whole (a TCKN given twice).</summary>
public static partial class RosterRules
{
    public const int MaxNameLength = 100;
    public const int MaxInstitutionLength = 200;
    /// <summary>RFC 5321's limits of a path: 254 characters in all, 64 before the @.</summary>
    public const int MaxEmailLength = 254;
    public const int MaxEmailLocalLength = 64;

    public static readonly string AcceptedCategories =
        "Yönetici, Doktor, Aile Hekimi, Diğer Personel (or MANAGER, DOCTOR, FAMILY_PHYSICIAN, OTHER_STAFF)";

    /// <summary>Every row judged; a TCKN given twice keeps its first row and refuses the later ones (field "row").</summary>
    public static (IReadOnlyList<RosterEntry> Entries, IReadOnlyList<RosterProblem> Problems) JudgeAll(IEnumerable<RawRosterRow> rows)
    {
        var entries = new List<RosterEntry>();
        var problems = new List<RosterProblem>();
        var firstRow = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var (entry, problem) = Judge(row);
            if (problem is not null)
            {
                problems.Add(problem);
                continue;
            }
            if (firstRow.TryGetValue(entry!.Tckn.Value, out var first))
            {
                problems.Add(new RosterProblem(row.Row, "row", $"this TCKN was already given at row {first}", entry.Tckn.Mask()));
                continue;
            }
            firstRow[entry.Tckn.Value] = row.Row;
            entries.Add(entry);
        }
        return (entries, problems);
    }

    /// <summary>One row: the entry, or the first problem found (fields in the order of the file: tckn first).</summary>
    public static (RosterEntry? Entry, RosterProblem? Problem) Judge(RawRosterRow row)
    {
        var masked = Domain.Tckn.Mask(row.Tckn?.Trim());
        RosterProblem Refuse(string field, string reason) => new(row.Row, field, reason, masked);

        if (string.IsNullOrWhiteSpace(row.Tckn))
            return (null, Refuse("tckn", "required"));
        if (!Domain.Tckn.TryParse(row.Tckn, out var tckn))
            return (null, Refuse("tckn", "not a valid TCKN (11 digits, the first not 0, with correct check digits)"));

        var name = Collapse(row.Name);
        if (name.Length == 0)
            return (null, Refuse("name", "required"));
        if (name.Length > MaxNameLength)
            return (null, Refuse("name", $"at most {MaxNameLength} characters (was {name.Length})"));
        if (!name.Any(char.IsLetter) || name.Any(char.IsControl))
            return (null, Refuse("name", "not a person's name"));

        if (string.IsNullOrWhiteSpace(row.Category))
            return (null, Refuse("category", $"required: one of {AcceptedCategories}"));
        if (StaffCategories.Parse(row.Category) is not { } category)
            return (null, Refuse("category", $"unknown category '{Shorten(Domain.Tckn.MaskAll(row.Category.Trim()))}'; accepted: {AcceptedCategories}"));

        var institution = Collapse(row.Institution);
        if (institution.Length > MaxInstitutionLength)
            return (null, Refuse("institution", $"at most {MaxInstitutionLength} characters (was {institution.Length})"));
        if (institution.Any(char.IsControl))
            return (null, Refuse("institution", "must not hold control characters"));

        string? email = null;
        if (!string.IsNullOrWhiteSpace(row.Email))
        {
            email = Email(row.Email);
            if (email is null)
                return (null, Refuse("email", "not a plain e-mail address (user@domain.tld, no spaces, no display name)"));
        }

        string? phone = null;
        if (!string.IsNullOrWhiteSpace(row.Phone))
        {
            phone = Phone(row.Phone);
            if (phone is null)
                return (null, Refuse("phone", "not a Turkish phone number (10 national digits, optionally after +90 or 0)"));
        }

        if (Active(row.Active) is not { } active)
            return (null, Refuse("active", "one of aktif, evet, true, 1 (active) or pasif, hayır, false, 0 (deactivated); empty = active"));

        return (new RosterEntry(tckn, name, category, institution, email, phone, active), null);
    }

    /// <summary>Trimmed, every run of white space one space, in NFC (HR files mix composed and decomposed Turkish letters).</summary>
    public static string Collapse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "";
        var result = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Trim().Normalize(NormalizationForm.FormC))
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (space && result.Length > 0)
                result.Append(' ');
            space = false;
            result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>
    /// A plain address (local@domain.tld) with its domain lower-cased, or null. Stricter than MailAddress, which takes a
    /// display name, quoted local parts and a domain without a dot: the reminder must reach the person, and such an
    /// address in an HR file is a mistake far more often than a wish.
    /// </summary>
    public static string? Email(string? text)
    {
        var address = text?.Trim();
        if (string.IsNullOrEmpty(address) || address.Length > MaxEmailLength)
            return null;
        var match = EmailPattern().Match(address);
        if (!match.Success)
            return null;
        var local = match.Groups["local"].Value;
        if (local.Length > MaxEmailLocalLength || local.StartsWith('.') || local.EndsWith('.') || local.Contains(".."))
            return null;
        return local + "@" + match.Groups["domain"].Value.ToLowerInvariant();
    }

    /// <summary>
    /// A Turkish number as +90 and its 10 national digits, or null. Spaces, dashes, dots and parentheses are layout; a leading
    /// +90, 0090, 90 (before 10 digits) or 0 is the prefix. National numbers start with 2–5 (landlines 2xx–4xx, mobiles 5xx).
    /// </summary>
    public static string? Phone(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var digits = new StringBuilder();
        var trimmed = text.Trim();
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsAsciiDigit(c))
                digits.Append(c);
            else if (c == '+' && i == 0)
                continue;
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/'))
                return null;
        }
        var d = digits.ToString();
        var plus = trimmed.StartsWith('+');
        if (plus && !d.StartsWith("90", StringComparison.Ordinal))
            return null;
        var national = plus ? d[2..]
            : d.StartsWith("0090", StringComparison.Ordinal) ? d[4..]
            : d.Length == 12 && d.StartsWith("90", StringComparison.Ordinal) ? d[2..]
            : d.Length == 11 && d[0] == '0' ? d[1..]
            : d;
        return national.Length == 10 && national[0] is >= '2' and <= '5' ? "+90" + national : null;
    }

    /// <summary>The active column: empty means active (an HR file that lists only current staff has none).</summary>
    public static bool? Active(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return true;
        return TurkishText.Fold(text) switch
        {
            "aktif" or "evet" or "e" or "true" or "1" or "active" or "yes" => true,
            "pasif" or "hayir" or "h" or "false" or "0" or "inactive" or "no" => false,
            _ => null,
        };
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    // Local part: RFC 5322's atext and dots (checked apart); domain: LDH labels of 1–63, at least two, a letter TLD of 2+.
    [GeneratedRegex(@"^(?<local>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@(?<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$",
        RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}
