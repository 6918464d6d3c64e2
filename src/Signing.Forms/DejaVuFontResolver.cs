using PdfSharp.Fonts;

namespace Signing.Forms;

/// <summary>
/// PDFsharp's core build has no access to system fonts, so it needs a resolver. The form uses the
/// DejaVu faces of Debian's fonts-dejavu-core because they cover every Turkish letter.
/// </summary>
internal sealed class DejaVuFontResolver : IFontResolver
{
    public const string SansFamily = "DejaVu Sans";
    public const string MonoFamily = "DejaVu Sans Mono";
    public const string DefaultDirectory = "/usr/share/fonts/truetype/dejavu";

    private const string SansFace = "DejaVuSans";
    private const string SansBoldFace = "DejaVuSans-Bold";
    private const string MonoFace = "DejaVuSansMono";

    private readonly IReadOnlyDictionary<string, byte[]> _faces;

    private DejaVuFontResolver(IReadOnlyDictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>Reads the three faces now, so a missing package is reported once and clearly rather than mid-render.</summary>
    public static DejaVuFontResolver Load(string directory)
    {
        var faces = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var face in new[] { SansFace, SansBoldFace, MonoFace })
        {
            var path = Path.Combine(directory, face + ".ttf");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"Font file '{path}' is missing: install fonts-dejavu-core (apt-get install fonts-dejavu-core).");
            }
            faces[face] = File.ReadAllBytes(path);
        }
        return new DejaVuFontResolver(faces);
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic)
    {
        // Only three faces ship in fonts-dejavu-core's subset we rely on: bold mono and all italics
        // are simulated. Unknown families fall back to DejaVu Sans so nothing renders as blanks.
        if (string.Equals(familyName, MonoFamily, StringComparison.OrdinalIgnoreCase))
        {
            return new FontResolverInfo(MonoFace, isBold, isItalic);
        }
        return isBold
            ? new FontResolverInfo(SansBoldFace, false, isItalic)
            : new FontResolverInfo(SansFace, false, isItalic);
    }

    public byte[]? GetFont(string faceName) => _faces.TryGetValue(faceName, out var bytes) ? bytes : null;
}
