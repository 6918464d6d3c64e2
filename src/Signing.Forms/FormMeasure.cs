using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Signing.Forms;

/// <summary>The form's fonts, set up once per process, and text measured as the renderer draws it.</summary>
internal static class FormMeasure
{
    private static readonly object FontGate = new();
    private static volatile bool _fontsReady;
    private static readonly object MeasureGate = new();
    private static XGraphics? _measure;

    /// <summary>
    /// GlobalFontSettings.FontResolver may be set only once per process and never after PDFsharp has
    /// used a font: set ours once under a lock, and if the host already installed one, use that.
    /// </summary>
    public static void EnsureFonts()
    {
        if (_fontsReady)
        {
            return;
        }
        lock (FontGate)
        {
            if (_fontsReady)
            {
                return;
            }
            if (GlobalFontSettings.FontResolver is null)
            {
                GlobalFontSettings.FontResolver = DejaVuFontResolver.Load(DejaVuFontResolver.DefaultDirectory);
            }
            _fontsReady = true;
        }
    }

    /// <summary>The width in points of <paramref name="text"/> in DejaVu Sans at <paramref name="size"/>.</summary>
    public static double WidthOf(string text, double size)
    {
        EnsureFonts();
        lock (MeasureGate)
        {
            _measure ??= XGraphics.CreateMeasureContext(new XSize(1000, 1000), XGraphicsUnit.Point, XPageDirection.Downwards);
            return _measure.MeasureString(text, new XFont(DejaVuFontResolver.SansFamily, size, XFontStyleEx.Regular,
                new XPdfFontOptions(PdfFontEncoding.Unicode))).Width;
        }
    }
}
