using System.Globalization;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Drawing.BarCodes;
using PdfSharp.Drawing.Layout;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Signing.Domain;

namespace Signing.Forms;

/// <summary>
/// Renders the NES renewal form for the wet-signed path: one A4 page per copy, the copies identical
/// except for "NÜSHA n / 2".
/// </summary>
public static class PrintableFormRenderer
{
    /// <summary>The applicant prints, signs and brings two copies to the desk.</summary>
    public const int Copies = 2;

    public const string DocumentTitle = "NES Yenileme Başvuru Formu";
    public const string FormHeading = "NİTELİKLİ ELEKTRONİK SERTİFİKA (NES) YENİLEME BAŞVURU FORMU";

    private const double Margin = 42;
    private const double LabelWidth = 150;

    private static readonly CultureInfo Turkish = CultureInfo.GetCultureInfo("tr-TR");

    /// <summary>Renders <see cref="Copies"/> pages. Thread-safe.</summary>
    /// <exception cref="ArgumentException">A field of <paramref name="form"/> is invalid; the message and ParamName name it.</exception>
    /// <exception cref="InvalidOperationException">The DejaVu fonts are not installed (fonts-dejavu-core).</exception>
    public static byte[] Render(PrintableForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        FormValidator.Validate(form);
        FormMeasure.EnsureFonts();

        using var document = new PdfDocument();
        document.Info.Title = DocumentTitle;
        document.Info.Subject = form.ApplicationCode;
        document.Info.Creator = "Signing";
        // PDFsharp stamps the save time otherwise; the submission time keeps equal forms equal.
        document.Info.CreationDate = form.SubmittedAt.UtcDateTime;
        document.Info.ModificationDate = form.SubmittedAt.UtcDateTime;

        var fonts = new Fonts();
        for (var copy = 1; copy <= Copies; copy++)
        {
            var page = document.AddPage();
            page.Size = PageSize.A4;
            using var gfx = XGraphics.FromPdfPage(page);
            DrawCopy(gfx, page.Width.Point, form, copy, fonts);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private sealed class Fonts
    {
        // Unicode (Identity-H) encoding: WinAnsi has no İ ı Ş ş Ğ ğ.
        private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);

        public XFont Sans(double size) => new(DejaVuFontResolver.SansFamily, size, XFontStyleEx.Regular, Unicode);
        public XFont Bold(double size) => new(DejaVuFontResolver.SansFamily, size, XFontStyleEx.Bold, Unicode);
        public XFont Mono(double size) => new(DejaVuFontResolver.MonoFamily, size, XFontStyleEx.Regular, Unicode);
    }

    private static void DrawCopy(XGraphics gfx, double pageWidth, PrintableForm form, int copy, Fonts fonts)
    {
        var width = pageWidth - 2 * Margin;
        var pen = new XPen(XColors.Black, 0.75);
        var thin = new XPen(XColors.Gray, 0.5);
        double y = 34;

        // Copy marker, top right, boxed so it is seen at the desk at a glance.
        var copyText = $"NÜSHA {copy} / {Copies}";
        var copyFont = fonts.Bold(11);
        var copyWidth = gfx.MeasureString(copyText, copyFont).Width + 16;
        var copyBox = new XRect(Margin + width - copyWidth, y, copyWidth, 20);
        gfx.DrawRectangle(pen, copyBox);
        gfx.DrawString(copyText, copyFont, XBrushes.Black, copyBox, XStringFormats.Center);
        gfx.DrawString("T.C. Sağlık Bakanlığı", fonts.Sans(9), XBrushes.Black, new XRect(Margin, y, width / 2, 20), XStringFormats.CenterLeft);
        y += 30;

        y = DrawFitted(gfx, FormHeading, fonts.Bold, 13, new XRect(Margin, y, width, 18), XStringFormats.Center);
        y = DrawFitted(gfx, form.DirectorateName, fonts.Bold, 11, new XRect(Margin, y + 2, width, 15), XStringFormats.Center);
        y = DrawWrapped(gfx, "Teslim yeri: " + form.DeskAddress, fonts.Sans(9), new XRect(Margin, y + 1, width, 24), XParagraphAlignment.Center);
        y += 6;

        // Application code: large, monospace and easy to type, plus a Code 39 barcode of it.
        var codeBox = new XRect(Margin, y, width, 104);
        gfx.DrawRectangle(pen, codeBox);
        gfx.DrawString("BAŞVURU KODU", fonts.Bold(8), XBrushes.Black, new XRect(Margin + 8, y + 4, 200, 10), XStringFormats.TopLeft);
        DrawFitted(gfx, form.ApplicationCode, fonts.Mono, 28, new XRect(Margin, y + 10, width, 34), XStringFormats.Center);
        DrawBarcode(gfx, form.ApplicationCode, new XRect(Margin + 20, y + 48, width - 40, 36));
        gfx.DrawString("Başvuru No: " + form.ApplicationId.ToString("D"), fonts.Sans(7), XBrushes.Black,
            new XRect(Margin, y + 88, width, 12), XStringFormats.Center);
        y += 104 + 10;

        // Applicant fields.
        gfx.DrawString("BAŞVURU SAHİBİ BİLGİLERİ", fonts.Bold(9), XBrushes.Black, new XRect(Margin, y, width, 12), XStringFormats.TopLeft);
        y += 14;
        var submitted = form.SubmittedAt.ToOffset(TurkeyTime.Offset).ToString("dd.MM.yyyy HH:mm", Turkish) + " (TSİ)";
        var rows = new (string Label, string Value, int Lines)[]
        {
            ("T.C. Kimlik No", form.Tckn, 1),
            ("Ad", form.GivenNames, 1),
            ("Soyad", form.Surname, 1),
            ("Kategori", form.Category, 1),
            ("Başvuru Nedeni", form.Reason, 1),
            ("Sertifika Türü", form.CertificateKind, 1),
            ("Sertifika Süresi", form.TermYears.ToString(Turkish) + " yıl", 1),
            ("E-posta", form.Email, 1),
            ("Telefon", form.Phone, 1),
            ("Teslimat Adresi", form.DeliveryAddress, FormFields.DeliveryAddress.Lines),
            ("Kurum", form.Institution, FormFields.Institution.Lines),
            ("Başvuru Tarihi", submitted, 1),
        };
        foreach (var (label, value, lines) in rows)
        {
            var lineHeight = fonts.Sans(FormFields.MultiLineSize).GetHeight();
            var height = lines > 1 ? lines * lineHeight + 6 : 17.0;
            var labelRect = new XRect(Margin, y, LabelWidth, height);
            var valueRect = new XRect(Margin + LabelWidth, y, width - LabelWidth, height);
            gfx.DrawRectangle(thin, XBrushes.WhiteSmoke, labelRect);
            gfx.DrawRectangle(thin, valueRect);
            gfx.DrawString(label, fonts.Bold(8.5), XBrushes.Black, new XRect(labelRect.X + 5, y, LabelWidth - 10, 17), XStringFormats.CenterLeft);
            if (value.Length > 0)
            {
                var inner = new XRect(valueRect.X + 5, y + 3, valueRect.Width - 10, height - 4);
                if (lines > 1)
                {
                    DrawLines(gfx, value, fonts.Sans(FormFields.MultiLineSize), lines, lineHeight, inner);
                }
                else
                {
                    DrawFitted(gfx, value, fonts.Sans, 10, new XRect(inner.X, y, inner.Width, 17), XStringFormats.CenterLeft);
                }
            }
            y += height;
        }
        y += 10;

        if (form.Fee is { } fee)
        {
            y = DrawFee(gfx, fee, fonts, pen, width, y) + 10;
        }

        // Signature boxes: applicant and the officer who takes the paper in.
        var boxWidth = (width - 12) / 2;
        DrawSignatureBox(gfx, fonts, pen, new XRect(Margin, y, boxWidth, 96), "Başvuru Sahibi");
        DrawSignatureBox(gfx, fonts, pen, new XRect(Margin + boxWidth + 12, y, boxWidth, 96), "Teslim Alan Yetkili");
        y += 96 + 10;

        var instructions = $"Bu formu {Copies} nüsha olarak yazdırıp her iki nüshayı ıslak imza ile imzalayınız ve " +
                           "teslim yerine elden teslim ediniz. Başvurunuz, yetkili formu sisteme kaydettikten sonra onaya alınır.";
        y = DrawWrapped(gfx, instructions, fonts.Sans(8), new XRect(Margin, y, width, 24), XParagraphAlignment.Left);
        DrawFitted(gfx, "Not: NES token'ı kargo ile yalnızca başvuru sahibinin kendisine teslim edilir.", fonts.Bold, 8.5,
            new XRect(Margin, y + 2, width, 12), XStringFormats.TopLeft);
    }

    private static double DrawFee(XGraphics gfx, FeeInstructions fee, Fonts fonts, XPen pen, double width, double y)
    {
        var amount = fee.Amount.Trim();
        if (!amount.EndsWith("TL", StringComparison.OrdinalIgnoreCase))
        {
            amount += " TL";
        }
        var lines = new (string Label, string Value)[]
        {
            ("Tutar", amount),
            ("IBAN", GroupIban(fee.Iban)),
            ("Banka", fee.Bank),
            ("Alıcı", fee.Recipient),
            ("Açıklama", fee.Description),
        };
        const double lineHeight = 14;
        var height = 18 + lineHeight * lines.Length + 16;
        gfx.DrawRectangle(pen, new XRect(Margin, y, width, height));
        gfx.DrawString("ÖDEME BİLGİLERİ (ücret başvuru sahibince ödenir)", fonts.Bold(9), XBrushes.Black,
            new XRect(Margin + 8, y + 4, width - 16, 12), XStringFormats.TopLeft);
        var lineY = y + 18;
        foreach (var (label, value) in lines)
        {
            gfx.DrawString(label + ":", fonts.Bold(9), XBrushes.Black, new XRect(Margin + 8, lineY, 70, lineHeight), XStringFormats.CenterLeft);
            var font = label == "IBAN" ? fonts.Mono : (Func<double, XFont>)fonts.Sans;
            DrawFitted(gfx, value, font, 9.5, new XRect(Margin + 80, lineY, width - 88, lineHeight), XStringFormats.CenterLeft);
            lineY += lineHeight;
        }
        gfx.DrawString("Banka dekontunu imzalı formla birlikte teslim ediniz.", fonts.Sans(8), XBrushes.Black,
            new XRect(Margin + 8, lineY + 1, width - 16, 12), XStringFormats.TopLeft);
        return y + height;
    }

    private static void DrawSignatureBox(XGraphics gfx, Fonts fonts, XPen pen, XRect box, string title)
    {
        gfx.DrawRectangle(pen, box);
        gfx.DrawString(title, fonts.Bold(9), XBrushes.Black, new XRect(box.X + 8, box.Y + 5, box.Width - 16, 12), XStringFormats.TopLeft);
        var labelFont = fonts.Sans(8.5);
        var dotted = new XPen(XColors.Gray, 0.5) { DashStyle = XDashStyle.Dot };
        var lineY = box.Y + 30;
        foreach (var label in new[] { "Ad Soyad", "İmza", "Tarih" })
        {
            gfx.DrawString(label + ":", labelFont, XBrushes.Black, new XPoint(box.X + 8, lineY), XStringFormats.BottomLeft);
            gfx.DrawLine(dotted, box.X + 62, lineY, box.Right - 8, lineY);
            lineY += label == "İmza" ? 30 : 22;
        }
    }

    private static void DrawBarcode(XGraphics gfx, string code, XRect area)
    {
        const double ratio = 3;
        var symbols = Code39.EncodeFullAscii(code);
        // Units of the narrow bar, as PDFsharp's Code3of9Standard sizes it (start + symbols + stop).
        var units = 13 + 6 * ratio + (3 * ratio + 7) * symbols.Length;
        // A narrow bar of 0.5–1 pt (0.18–0.35 mm) keeps the code scannable from a laser print.
        var module = Math.Min(1.0, area.Width / units);
        var size = new XSize(units * module, area.Height);
        var barcode = new Code3of9Standard(symbols, size)
        {
            TextLocation = TextLocation.None,
            WideNarrowRatio = ratio,
            Anchor = AnchorType.TopLeft,
        };
        gfx.DrawBarCode(barcode, XBrushes.Black, new XPoint(area.X + (area.Width - size.Width) / 2, area.Y));
    }

    /// <summary>
    /// One line, shrinking the font (down to 7 pt) until the text fits; text still too long is
    /// wrapped at 6.5 pt inside the rectangle rather than running over the next box.
    /// Returns the rectangle's bottom.
    /// </summary>
    private static double DrawFitted(XGraphics gfx, string text, Func<double, XFont> font, double size, XRect rect, XStringFormat format)
    {
        var chosen = font(size);
        while (size > 7 && gfx.MeasureString(text, chosen).Width > rect.Width)
        {
            size -= 0.5;
            chosen = font(size);
        }
        if (gfx.MeasureString(text, chosen).Width <= rect.Width)
        {
            gfx.DrawString(text, chosen, XBrushes.Black, rect, format);
        }
        else
        {
            DrawWrapped(gfx, text, font(6.5), new XRect(rect.X, rect.Y + 1, rect.Width, rect.Height - 1), XParagraphAlignment.Left);
        }
        return rect.Bottom;
    }

    /// <summary>
    /// At most <paramref name="lines"/> lines, broken between words; when that needs more lines, broken anywhere, which
    /// always fits text within the field's <see cref="FormField.MaxLength"/> (counted in the widest letter).
    /// </summary>
    private static void DrawLines(XGraphics gfx, string text, XFont font, int lines, double lineHeight, XRect rect)
    {
        double Width(string s) => gfx.MeasureString(s, font).Width;
        var broken = LineBreaker.ByWords(text, Width, rect.Width);
        if (broken.Count > lines)
        {
            broken = LineBreaker.Anywhere(text, Width, rect.Width);
        }
        var y = rect.Y;
        foreach (var line in broken.Take(lines))
        {
            gfx.DrawString(line, font, XBrushes.Black, new XRect(rect.X, y, rect.Width, lineHeight), XStringFormats.TopLeft);
            y += lineHeight;
        }
    }

    /// <summary>Wrapped paragraph, clipped to the rectangle so it never overprints a neighbour. Returns the rectangle's bottom.</summary>
    private static double DrawWrapped(XGraphics gfx, string text, XFont font, XRect rect, XParagraphAlignment alignment)
    {
        var state = gfx.Save();
        gfx.IntersectClip(rect);
        var formatter = new XTextFormatter(gfx) { Alignment = alignment };
        formatter.DrawString(text, font, XBrushes.Black, rect, XStringFormats.TopLeft);
        gfx.Restore(state);
        return rect.Bottom;
    }

    private static string GroupIban(string iban)
    {
        var compact = FormValidator.CompactIban(iban);
        return string.Join(' ', compact.Chunk(4).Select(chunk => new string(chunk)));
    }
}
