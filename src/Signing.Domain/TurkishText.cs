using System.Globalization;
using System.Text;

namespace Signing.Domain;

/// <summary>
/// Turkish-aware text comparison. tr-TR upper-casing maps i → İ and ı → I, so "Şahin" and "ŞAHİN" match
/// and "Ismail" does not match "İsmail" (different letters in Turkish).
/// </summary>
public static class TurkishText
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("tr-TR");

    public static string Upper(string text) => text.ToUpper(Culture);

    /// <summary>Upper-cased words, every run of non-letters/non-digits (spaces, dashes, slashes, =) a single separator.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in Upper(text.Normalize(NormalizationForm.FormC)))
        {
            if (char.IsLetterOrDigit(c))
                current.Append(c);
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
        if (current.Length > 0)
            words.Add(current.ToString());
        return words;
    }

    /// <summary>Upper-cased letters and digits only: spacing and punctuation do not count.</summary>
    public static string Compact(string text) => string.Concat(Words(text));

    public static string DigitsOnly(string text) => new(text.Where(char.IsAsciiDigit).ToArray());

    /// <summary>
    /// A matching key: the words (see <see cref="Words"/>) joined by single spaces, lower-case, with the Turkish letters
    /// folded to their ASCII neighbours, so "Aile Hekimi", "AİLE HEKİMİ", "aile_hekimi" and "Aile Hekımı" meet.
    /// </summary>
    public static string Fold(string text)
    {
        var key = new StringBuilder();
        foreach (var c in string.Join(' ', Words(text)))
        {
            key.Append(c switch
            {
                'Ç' => 'c',
                'Ğ' => 'g',
                'I' or 'İ' => 'i',
                'Ö' => 'o',
                'Ş' => 's',
                'Ü' => 'u',
                _ => char.ToLowerInvariant(c),
            });
        }
        return key.ToString();
    }
}
