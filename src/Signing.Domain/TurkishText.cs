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
}
