namespace Signing.Domain;

/// <summary>A person's given name(s) and surname, as on the ID card; compared with tr-TR casing.</summary>
public sealed record PersonName
{
    public string GivenName { get; }
    public string Surname { get; }

    public PersonName(string givenName, string surname)
    {
        if (string.IsNullOrWhiteSpace(givenName) || string.IsNullOrWhiteSpace(surname))
            throw new ArgumentException("Both given name and surname are required.");
        GivenName = Collapse(givenName);
        Surname = Collapse(surname);
    }

    /// <summary>"Ayşe Nur Yılmaz" → given "Ayşe Nur", surname "Yılmaz" (the last word is the surname).</summary>
    public static PersonName Parse(string fullName)
    {
        var parts = fullName.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length < 2)
            throw new FormatException("A full name needs a given name and a surname.");
        return new PersonName(string.Join(' ', parts[..^1]), parts[^1]);
    }

    public string Full => GivenName + " " + Surname;

    /// <summary>tr-TR upper case, as Turkish forms and bank receipts print names: "AYŞE YILMAZ", "İSMAİL ŞAHİN".</summary>
    public string Upper => TurkishText.Upper(Full);

    public bool SameAs(PersonName other) =>
        TurkishText.Compact(GivenName) == TurkishText.Compact(other.GivenName)
        && TurkishText.Compact(Surname) == TurkishText.Compact(other.Surname);

    public override string ToString() => Full;

    private static string Collapse(string s) => string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
