using System.Globalization;

namespace Signing.Forms;

/// <summary>Why one field's text cannot go on the form, in English and Turkish (without the field's name).</summary>
public sealed record FieldProblem(string Description, string DescriptionTr);

/// <summary>
/// A field the applicant fills in, with the room the printed form has for it: <see cref="MaxLength"/> characters of the
/// widest letter the font has still fit <see cref="Lines"/> line(s) of the box at the smallest size the renderer uses.
/// </summary>
public sealed record FormField(string Name, int MaxLength, int Lines, bool Required)
{
    /// <summary>The first problem of <paramref name="value"/>, or null when the form can print it as it is.</summary>
    public FieldProblem? Check(string? value)
    {
        if (value is null)
            return new("must not be null (use \"\")", "boş bırakılacaksa \"\" olmalı");
        if (Required && string.IsNullOrWhiteSpace(value))
            return new("required", "zorunlu");
        if (value.Length > MaxLength)
            return new($"at most {MaxLength} characters (got {value.Length}): the printed form has no room for more",
                $"en çok {MaxLength} karakter (girilen {value.Length}): basılı formda daha fazlasına yer yok");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (FormFields.IsPrintable(c))
                continue;
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
                return new("must be one line without control characters (line breaks, tabs): the printed form cannot show them",
                    "tek satır olmalı; satır sonu, sekme gibi kontrol karakterleri basılı formda gösterilemez");
            var codePoint = char.IsSurrogatePair(value, i) ? char.ConvertToUtf32(value, i) : c;
            var shown = codePoint.ToString("X4", CultureInfo.InvariantCulture);
            return new($"holds a character the printed form cannot show (U+{shown}); use Latin letters (Turkish ones included), digits and punctuation",
                $"basılı formda gösterilemeyen bir karakter içeriyor (U+{shown}); Latin harfleri (Türkçe harfler dahil), rakam ve noktalama işaretleri kullanın");
        }
        return null;
    }
}

/// <summary>
/// The one set of rules for what an applicant writes on the form: the server applies them before anything is stored and
/// the renderer again before it draws, so what is accepted can always be printed.
/// </summary>
public static class FormFields
{
    /// <summary>
    /// The widest character <see cref="IsPrintable"/> lets through, in DejaVu Sans, as a fraction of the font size ('Œ'
    /// is 1.07 em); the limits below are counted in it, so any accepted text fits whatever its letters.
    /// </summary>
    public const double WidestGlyphEm = 1.07;

    /// <summary>Width of a value box (A4 less margins, label column and padding), in points.</summary>
    public const double ValueWidth = 595 - 2 * 42 - 150 - 10;

    /// <summary>One-line values shrink down to this size before they would wrap.</summary>
    public const double SingleLineMinSize = 7;

    /// <summary>Multi-line values (the delivery address, the institution) are set at this size.</summary>
    public const double MultiLineSize = 8;

    // floor(351 / (1.07 × 7)) = 46 characters on one line; floor(351 / (1.07 × 8)) = 41 a line at 8 pt.
    public static readonly FormField GivenNames = new("given_names", 46, 1, Required: true);
    public static readonly FormField Surname = new("surname", 46, 1, Required: true);
    public static readonly FormField Email = new("email", 46, 1, Required: false);
    public static readonly FormField Phone = new("phone", 32, 1, Required: false);
    public static readonly FormField DeliveryAddress = new("delivery_address", 3 * 41, 3, Required: false);
    public static readonly FormField Institution = new("institution", 2 * 41, 2, Required: false);

    public static IReadOnlyList<FormField> All { get; } = [GivenNames, Surname, Email, Phone, DeliveryAddress, Institution];

    /// <summary>
    /// Printable ASCII, Latin-1 and Latin Extended-A (every Turkish letter), and the typographic dashes and quotes a
    /// copy-paste brings: all drawn by the form's font. No control or format characters, nothing the font lacks.
    /// </summary>
    public static bool IsPrintable(char c) => c is (>= ' ' and <= '~') or (>= '\u00A0' and <= '\u017F' and not '\u00AD') or (>= '\u2010' and <= '\u201F');
}
