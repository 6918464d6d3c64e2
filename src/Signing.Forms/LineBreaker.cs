namespace Signing.Forms;

/// <summary>Splits one line of text into lines no wider than a box, with the renderer's own measure.</summary>
internal static class LineBreaker
{
    /// <summary>Greedy, between words; a word wider than the box is split where it must.</summary>
    public static IReadOnlyList<string> ByWords(string text, Func<string, double> width, double max)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (width(candidate) <= max)
            {
                line = candidate;
                continue;
            }
            if (line.Length > 0)
            {
                lines.Add(line);
            }
            var pieces = Anywhere(word, width, max);
            lines.AddRange(pieces.Take(pieces.Count - 1));
            line = pieces[^1];
        }
        if (line.Length > 0)
        {
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>As many characters a line as fit, wherever that breaks.</summary>
    public static IReadOnlyList<string> Anywhere(string text, Func<string, double> width, double max)
    {
        var lines = new List<string>();
        var rest = text.Trim();
        while (rest.Length > 0)
        {
            var n = 1;
            while (n < rest.Length && width(rest[..(n + 1)]) <= max)
            {
                n++;
            }
            lines.Add(rest[..n]);
            rest = rest[n..].TrimStart();
        }
        return lines.Count == 0 ? [""] : lines;
    }
}
