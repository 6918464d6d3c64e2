namespace Signing.Forms;

/// <summary>
/// Code 39 "Full ASCII": every printable ASCII character becomes one or two symbols of the
/// standard 43-symbol set, so PDFsharp's <c>Code3of9Standard</c> can draw any application code.
/// Codes made only of 0-9, A-Z, '-', '.' and space encode to themselves, so a plain Code 39
/// scanner reads the usual codes ("K7Q-4M2-X9P") unchanged.
/// </summary>
internal static class Code39
{
    // Index = ASCII code - 0x20 (space) … 0x7E (~), per the Code 39 Full ASCII table.
    private static readonly string[] FullAscii =
    [
        " ", "/A", "/B", "/C", "/D", "/E", "/F", "/G", "/H", "/I", "/J", "/K", "/L", "-", ".", "/O",
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "/Z", "%F", "%G", "%H", "%I", "%J",
        "%V", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
        "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "%K", "%L", "%M", "%N", "%O",
        "%W", "+A", "+B", "+C", "+D", "+E", "+F", "+G", "+H", "+I", "+J", "+K", "+L", "+M", "+N", "+O",
        "+P", "+Q", "+R", "+S", "+T", "+U", "+V", "+W", "+X", "+Y", "+Z", "%P", "%Q", "%R", "%S",
    ];

    /// <summary>The symbols to draw (without the '*' start/stop, which the renderer adds).</summary>
    public static string EncodeFullAscii(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length * 2);
        foreach (var ch in text)
        {
            if (ch < 0x20 || ch > 0x7E)
            {
                throw new ArgumentException($"Character U+{(int)ch:X4} cannot be encoded in Code 39.", nameof(text));
            }
            builder.Append(FullAscii[ch - 0x20]);
        }
        return builder.ToString();
    }
}
