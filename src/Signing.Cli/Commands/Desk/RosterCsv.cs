using System.Buffers;
using System.Text;
using CsvHelper;
using Signing.Contracts.V1;
using Signing.Domain;

namespace Signing.Cli.Commands.Desk;

/// <summary>A CSV file an HR system wrote, as rows to send: its encoding found, its columns matched by their Turkish headers.</summary>
internal sealed record RosterFile(IReadOnlyList<RosterRow> Rows, string Encoding, char Separator);

/// <summary>
/// Reading the HR system's staff file. Excel in Turkish writes ';'-separated CSV, in UTF-8 (with a BOM) when saved as
/// "CSV UTF-8" and in Windows-1254 when saved as plain "CSV"; other systems write ',' or tabs. Headers are matched by
/// <see cref="TurkishText.Fold"/>, so "T.C. Kimlik No", "TC KİMLİK NO" and "tckn" are one column.
/// </summary>
internal static class RosterCsv
{
    public const string Windows1254 = "Windows-1254";

    private enum Column { Tckn, Name, GivenName, Surname, Category, Institution, Email, Phone, Active }

    /// <summary>Folded header → the column it names.</summary>
    private static readonly Dictionary<string, Column> Headers = new(StringComparer.Ordinal)
    {
        ["t c kimlik no"] = Column.Tckn, ["tc kimlik no"] = Column.Tckn, ["t c kimlik numarasi"] = Column.Tckn,
        ["tc kimlik numarasi"] = Column.Tckn, ["tckn"] = Column.Tckn, ["tc no"] = Column.Tckn, ["kimlik no"] = Column.Tckn,
        ["ad soyad"] = Column.Name, ["adi soyadi"] = Column.Name, ["ad soyadi"] = Column.Name, ["adi ve soyadi"] = Column.Name,
        ["ad ve soyad"] = Column.Name, ["isim soyisim"] = Column.Name,
        ["ad"] = Column.GivenName, ["adi"] = Column.GivenName, ["soyad"] = Column.Surname, ["soyadi"] = Column.Surname,
        ["kategori"] = Column.Category, ["personel kategorisi"] = Column.Category, ["kategorisi"] = Column.Category,
        ["kurum"] = Column.Institution, ["kurum adi"] = Column.Institution, ["kurumu"] = Column.Institution, ["calistigi kurum"] = Column.Institution,
        ["e posta"] = Column.Email, ["e posta adresi"] = Column.Email, ["eposta"] = Column.Email, ["e mail"] = Column.Email, ["email"] = Column.Email,
        ["telefon"] = Column.Phone, ["cep telefonu"] = Column.Phone, ["telefon no"] = Column.Phone, ["cep"] = Column.Phone, ["gsm"] = Column.Phone,
        ["durum"] = Column.Active, ["aktif"] = Column.Active, ["aktif mi"] = Column.Active, ["aktiflik"] = Column.Active,
    };

    /// <summary>The file's rows, each numbered with the line it starts on (the header is line 1).</summary>
    public static RosterFile Read(byte[] bytes, Lang lang)
    {
        var (text, encoding) = Decode(bytes);
        var options = CsvReaderOptions.Default with
        {
            // The separator is detected from the first lines (';', ',', tab or '|').
            TrackLineNumbers = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            // Values are personal data: a parse error must not carry them into a message.
            IncludeValuesInExceptions = false,
        };
        using var csv = CsvReader.FromText(text, options);
        string[] headers;
        try
        {
            headers = [.. csv.Headers];
        }
        catch (CsvFormatException e)
        {
            throw new DeskException(DeskExit.BadInput, "roster.malformed", [e.LineNumber, e.Message], "roster.next.fixFile");
        }
        var columns = Match(headers, lang);
        var rows = new List<RosterRow>();
        try
        {
            while (csv.Read())
            {
                string Field(Column c) => columns.TryGetValue(c, out var i) && i < csv.FieldCount ? csv.GetString(i).Trim() : "";
                var name = columns.ContainsKey(Column.Name) ? Field(Column.Name) : (Field(Column.GivenName) + " " + Field(Column.Surname)).Trim();
                var row = new RosterRow
                {
                    Row = checked((int)csv.LineNumber),
                    Tckn = Field(Column.Tckn),
                    Name = name,
                    Category = Field(Column.Category),
                    Institution = Field(Column.Institution),
                    Email = Field(Column.Email),
                    Phone = Field(Column.Phone),
                    Active = Field(Column.Active),
                };
                // A line of separators only (Excel leaves them after the data) is no row.
                if (row.Tckn.Length + row.Name.Length + row.Category.Length + row.Institution.Length + row.Email.Length + row.Phone.Length + row.Active.Length > 0)
                    rows.Add(row);
            }
        }
        catch (CsvFormatException e)
        {
            throw new DeskException(DeskExit.BadInput, "roster.malformed", [e.LineNumber, e.Message], "roster.next.fixFile");
        }
        return new RosterFile(rows, encoding, csv.Separator);
    }

    /// <summary>Each column this import knows, by its index; a file without the required ones is refused naming what it has.</summary>
    private static Dictionary<Column, int> Match(string[] headers, Lang lang)
    {
        var columns = new Dictionary<Column, int>();
        for (var i = 0; i < headers.Length; i++)
        {
            if (Headers.TryGetValue(TurkishText.Fold(headers[i]), out var column))
                columns.TryAdd(column, i);
        }
        var missing = new List<string>();
        if (!columns.ContainsKey(Column.Tckn))
            missing.Add("T.C. Kimlik No");
        if (!columns.ContainsKey(Column.Name) && !(columns.ContainsKey(Column.GivenName) && columns.ContainsKey(Column.Surname)))
            missing.Add("Ad Soyad (" + Texts.Get(lang, "roster.orGivenSurname") + ")");
        if (!columns.ContainsKey(Column.Category))
            missing.Add("Kategori");
        if (missing.Count > 0)
        {
            var found = headers.Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => "'" + h.Trim() + "'").ToList();
            throw new DeskException(DeskExit.BadInput, "roster.missingColumns", [string.Join(", ", missing),
                found.Count == 0 ? Texts.Get(lang, "roster.noColumns") : string.Join(", ", found)], "roster.next.columns");
        }
        return columns;
    }

    /// <summary>
    /// The text and the name of its encoding: UTF-8 (a BOM or none), else Windows-1254 when that reads as Turkish text, else
    /// a refusal with the offset of the first byte that is not UTF-8.
    /// </summary>
    public static (string Text, string Encoding) Decode(byte[] bytes)
    {
        var body = bytes.AsSpan();
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            body = body[3..];
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var invalidAt = FirstInvalidUtf8(body);
        if (invalidAt < 0)
            return (strict.GetString(body), "UTF-8");
        var offset = invalidAt + (bytes.Length - body.Length);
        if (LooksLikeWindows1254(body))
            return (Encoding.GetEncoding(1254, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetString(body), Windows1254);
        throw new DeskException(DeskExit.BadInput, "roster.notUtf8", [offset, bytes[offset].ToString("X2", System.Globalization.CultureInfo.InvariantCulture)],
            "roster.next.saveUtf8");
    }

    /// <summary>The offset of the first byte that is not part of valid UTF-8, or -1.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return -1;
    }

    /// <summary>The letters Windows-1254 has beyond ASCII that a Turkish staff list holds (names, institutions).</summary>
    private static readonly SearchValues<char> TurkishLetters = SearchValues.Create("çÇğĞıİöÖşŞüÜâÂîÎûÛ");

    /// <summary>
    /// Every byte above ASCII decodes, in Windows-1254, to a Turkish letter, and no byte is a control character but tab and
    /// line breaks: a file of another code page, or a binary file, fails this, and is refused rather than read wrongly.
    /// </summary>
    private static bool LooksLikeWindows1254(ReadOnlySpan<byte> bytes)
    {
        var code = Encoding.GetEncoding(1254);
        Span<char> one = stackalloc char[2];
        foreach (var b in bytes)
        {
            if (b < 0x80)
            {
                if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D))
                    return false;
                continue;
            }
            if (code.GetChars([b], one) != 1 || !TurkishLetters.Contains(one[0]))
                return false;
        }
        return true;
    }

    static RosterCsv() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}
