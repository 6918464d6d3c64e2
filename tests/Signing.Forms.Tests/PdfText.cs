using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;

namespace Signing.Forms.Tests;

/// <summary>
/// Just enough text extraction to check what the form prints: PDFsharp writes Unicode text as
/// 2-byte glyph ids (Identity-H) and a /ToUnicode CMap per font; this walks each page's content
/// stream, follows Tf to know the current font, and maps the Tj/TJ glyph ids back to text.
/// Each text-showing operator becomes one run (one line of the page text), so words drawn
/// separately never run together.
/// </summary>
public static partial class PdfText
{
    public static PdfDocument Open(byte[] pdf) =>
        PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);

    public static IReadOnlyList<string> PagesOf(byte[] pdf)
    {
        using var document = Open(pdf);
        return document.Pages.Cast<PdfPage>().Select(ExtractPage).ToList();
    }

    /// <summary>One shown string: its text, the font's BaseFont and the size set by Tf.</summary>
    public sealed record Run(string Text, string BaseFont, double Size);

    public static string ExtractPage(PdfPage page) => string.Join("\n", ExtractRuns(page).Select(run => run.Text));

    public static IReadOnlyList<Run> ExtractRuns(PdfPage page)
    {
        var cmaps = new Dictionary<string, Font>(StringComparer.Ordinal);
        var fonts = page.Resources.Elements.GetDictionary("/Font");
        if (fonts is not null)
        {
            foreach (var key in fonts.Elements.Keys)
            {
                var font = fonts.Elements.GetDictionary(key)
                    ?? throw new InvalidDataException($"Font resource {key} is not a dictionary.");
                var toUnicode = font.Elements.GetDictionary("/ToUnicode")
                    ?? throw new InvalidDataException($"Font {key} has no /ToUnicode CMap.");
                cmaps[key] = new Font(font.Elements.GetName("/BaseFont"),
                    ParseCMap(Encoding.ASCII.GetString(toUnicode.Stream.UnfilteredValue)));
            }
        }

        var runs = new List<Run>();
        Font? current = null;
        double size = 0;
        foreach (var item in ContentReader.ReadContent(page))
        {
            if (item is not COperator op)
            {
                continue;
            }
            switch (op.Name)
            {
                case "Tf":
                    var name = ((CName)op.Operands[0]).Name;
                    current = cmaps.TryGetValue(name, out var font)
                        ? font
                        : throw new InvalidDataException($"Tf selects unknown font {name}.");
                    size = Number(op.Operands[1]);
                    break;
                case "Tj" or "'" or "\"":
                    runs.Add(new Run(Decode((CString)op.Operands[^1], current), current!.BaseFont, size));
                    break;
                case "TJ":
                    var parts = ((CArray)op.Operands[0]).OfType<CString>().Select(part => Decode(part, current));
                    runs.Add(new Run(string.Concat(parts), current!.BaseFont, size));
                    break;
            }
        }
        return runs;
    }

    private sealed record Font(string BaseFont, IReadOnlyDictionary<int, string> ToUnicode);

    public static double Number(CObject operand) => operand switch
    {
        CInteger integer => integer.Value,
        CReal real => real.Value,
        _ => throw new InvalidDataException($"Expected a number, got {operand.GetType().Name}."),
    };

    private static string Decode(CString value, Font? font)
    {
        var cmap = font?.ToUnicode ?? throw new InvalidDataException("Text shown before any Tf.");
        // The lexer hands a string back as one char per byte; Identity-H uses two bytes per glyph.
        var bytes = value.Value;
        if (bytes.Length % 2 != 0 || bytes.Any(ch => ch > 0xFF))
        {
            throw new InvalidDataException($"Not a 2-byte glyph string: {bytes.Length} chars.");
        }
        var text = new StringBuilder();
        for (var i = 0; i < bytes.Length; i += 2)
        {
            var glyph = (bytes[i] << 8) | bytes[i + 1];
            text.Append(cmap.TryGetValue(glyph, out var unicode) ? unicode : "\uFFFD");
        }
        return text.ToString();
    }

    /// <summary>The bfchar and bfrange sections of a ToUnicode CMap (glyph id → text).</summary>
    public static IReadOnlyDictionary<int, string> ParseCMap(string cmap)
    {
        var map = new Dictionary<int, string>();
        foreach (Match section in BfChar().Matches(cmap))
        {
            foreach (Match pair in HexPair().Matches(section.Groups[1].Value))
            {
                map[Hex(pair.Groups[1].Value)] = Utf16(pair.Groups[2].Value);
            }
        }
        foreach (Match section in BfRange().Matches(cmap))
        {
            foreach (Match range in RangeLine().Matches(section.Groups[1].Value))
            {
                var low = Hex(range.Groups[1].Value);
                var high = Hex(range.Groups[2].Value);
                if (range.Groups[3].Success)
                {
                    // <lo> <hi> <dst>: consecutive code points from dst.
                    var start = Utf16(range.Groups[3].Value);
                    for (var glyph = low; glyph <= high; glyph++)
                    {
                        map[glyph] = start[..^1] + (char)(start[^1] + (glyph - low));
                    }
                }
                else
                {
                    // <lo> <hi> [<dst1> <dst2> …]: one destination per glyph.
                    var targets = HexToken().Matches(range.Groups[4].Value).Select(m => Utf16(m.Groups[1].Value)).ToList();
                    for (var glyph = low; glyph <= high && glyph - low < targets.Count; glyph++)
                    {
                        map[glyph] = targets[glyph - low];
                    }
                }
            }
        }
        return map;
    }

    private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string Utf16(string hex) => Encoding.BigEndianUnicode.GetString(Convert.FromHexString(hex));

    [GeneratedRegex(@"beginbfchar(.*?)endbfchar", RegexOptions.Singleline)]
    private static partial Regex BfChar();

    [GeneratedRegex(@"beginbfrange(.*?)endbfrange", RegexOptions.Singleline)]
    private static partial Regex BfRange();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")]
    private static partial Regex HexPair();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f]+)>|\[([^\]]*)\])")]
    private static partial Regex RangeLine();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>")]
    private static partial Regex HexToken();
}
