using PdfSharp.Pdf;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;

namespace Signing.Forms.Tests;

public class PrintableFormRendererTests
{
    [Fact]
    public void Family_physician_form_has_two_copies_each_with_applicant_and_code()
    {
        var pdf = PrintableFormRenderer.Render(Samples.FamilyPhysician());

        using var document = PdfText.Open(pdf);
        Assert.Equal(PrintableFormRenderer.Copies, document.PageCount);
        Assert.Equal(2, document.PageCount);
        for (var copy = 1; copy <= 2; copy++)
        {
            var text = PdfText.ExtractPage(document.Pages[copy - 1]);
            Assert.Contains("İsmail", text);
            Assert.Contains("Şahin", text);
            Assert.Contains(Samples.Tckn, text);
            Assert.Contains(Samples.Code, text);
            Assert.Contains($"NÜSHA {copy} / 2", text);
            Assert.DoesNotContain($"NÜSHA {3 - copy} / 2", text);
        }
    }

    [Fact]
    public void Copies_differ_only_in_the_copy_marker()
    {
        var pages = PdfText.PagesOf(PrintableFormRenderer.Render(Samples.FamilyPhysician()));

        Assert.Equal(pages[0].Replace("NÜSHA 1 / 2", "NÜSHA"), pages[1].Replace("NÜSHA 2 / 2", "NÜSHA"));
    }

    [Fact]
    public void Page_holds_title_directorate_fields_signature_boxes_and_courier_note()
    {
        var form = Samples.FamilyPhysician();
        var text = PdfText.PagesOf(PrintableFormRenderer.Render(form))[0];

        string[] expected =
        [
            PrintableFormRenderer.FormHeading, "Mersin İl Sağlık Müdürlüğü", "Eski", "Hastanesi",
            "T.C. Kimlik No", "Kategori", "Aile Hekimi", "Başvuru Nedeni", "YENİLEME", "Sertifika Türü", "NES",
            "3 yıl", "ismail.sahin@example.org", "+90 324 000 00 00", "Çamlıbel", "Yenişehir 5 No'lu Aile Sağlığı Merkezi",
            "20.11.2026 12:30 (TSİ)", form.ApplicationId.ToString("D"),
            "Başvuru Sahibi", "Teslim Alan Yetkili", "Ad Soyad:", "İmza:", "Tarih:",
            "Not: NES token'ı kargo ile yalnızca başvuru sahibinin kendisine teslim edilir.",
        ];
        foreach (var piece in expected)
        {
            Assert.Contains(piece, text);
        }
        Assert.DoesNotContain("\uFFFD", text);
    }

    [Fact]
    public void Application_code_is_large_and_monospace()
    {
        using var document = PdfText.Open(PrintableFormRenderer.Render(Samples.FamilyPhysician()));

        var run = Assert.Single(PdfText.ExtractRuns(document.Pages[0]), r => r.Text == Samples.Code);
        Assert.True(run.Size >= 24, $"code printed at {run.Size} pt");
        Assert.Contains("Mono", run.BaseFont);
    }

    [Fact]
    public void Fee_box_holds_grouped_iban_amount_bank_recipient_and_description()
    {
        var text = PdfText.PagesOf(PrintableFormRenderer.Render(Samples.FamilyPhysician()))[1];

        Assert.Contains("IBAN", text);
        Assert.Contains("TR41 0001 2009 5940 0005 0000 47", text);
        Assert.Contains("780.00 TL", text);
        Assert.Contains("Halk Bankası", text);
        Assert.Contains("MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", text);
        Assert.Contains(Samples.Description, text);
    }

    [Fact]
    public void Form_without_fee_has_no_fee_box()
    {
        var form = Samples.FamilyPhysician() with { Category = "Doktor", Fee = null };

        foreach (var text in PdfText.PagesOf(PrintableFormRenderer.Render(form)))
        {
            Assert.Contains("Doktor", text);
            Assert.DoesNotContain("IBAN", text);
            Assert.DoesNotContain("ÖDEME", text);
            Assert.DoesNotContain(Samples.Description, text);
        }
    }

    [Fact]
    public void Document_info_is_set_and_pinned_to_the_submission_time()
    {
        var form = Samples.FamilyPhysician();
        using var document = PdfText.Open(PrintableFormRenderer.Render(form));

        Assert.Equal("NES Yenileme Başvuru Formu", document.Info.Title);
        Assert.Equal(Samples.Code, document.Info.Subject);
        Assert.Equal("Signing", document.Info.Creator);
        Assert.Equal("", document.Info.Author);
        Assert.Equal(form.SubmittedAt.UtcDateTime, document.Info.CreationDate.ToUniversalTime());
    }

    [Fact]
    public void Page_is_a4()
    {
        using var document = PdfText.Open(PrintableFormRenderer.Render(Samples.FamilyPhysician()));

        foreach (var page in document.Pages.Cast<PdfPage>())
        {
            Assert.Equal(595, page.Width.Point, 0);
            Assert.Equal(842, page.Height.Point, 0);
        }
    }

    [Theory]
    [InlineData(Samples.Code, "K7Q-4M2-X9P")]
    [InlineData("ab$'1", "+A+B/D/G1")]
    public void Barcode_is_code39_with_start_stop_and_one_symbol_per_encoded_character(string code, string symbols)
    {
        Assert.Equal(symbols, Code39.EncodeFullAscii(code));
        using var document = PdfText.Open(PrintableFormRenderer.Render(Samples.FamilyPhysician() with { ApplicationCode = code }));

        var patterns = Code39Bars.Read(document.Pages[0]);

        Assert.Equal(symbols.Length + 2, patterns.Count);
        Assert.Equal("nwnnwnwnn", patterns[0]);   // '*' start
        Assert.Equal("nwnnwnwnn", patterns[^1]);  // '*' stop
        // Every Code 39 symbol has exactly three wide elements of nine.
        Assert.All(patterns, pattern => Assert.Equal(3, pattern.Count(ch => ch == 'w')));
        Assert.Contains(code, PdfText.ExtractPage(document.Pages[0]));
    }

    [Fact]
    public void Sixteen_threads_render_parseable_forms_concurrently()
    {
        const int threads = 16;
        var results = new byte[threads][];
        var errors = new Exception?[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[i] = PrintableFormRenderer.Render(Samples.FamilyPhysician() with { ApplicationCode = $"T{i:D2}-CODE" });
            }
            catch (Exception error)
            {
                // Caught so a failure fails this test instead of crashing the test host.
                errors[i] = error;
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        Assert.All(errors, Assert.Null);
        for (var i = 0; i < threads; i++)
        {
            Assert.NotNull(results[i]);
            var pages = PdfText.PagesOf(results[i]);
            Assert.Equal(2, pages.Count);
            Assert.All(pages, page => Assert.Contains($"T{i:D2}-CODE", page));
        }
    }

    [Fact]
    public void Longest_accepted_fields_of_the_widest_letters_print_whole_at_a_readable_size()
    {
        // 'Œ' is the widest character FormFields accepts; 'Ş' and 'W' the widest of everyday text.
        var form = Samples.FamilyPhysician() with
        {
            ApplicationCode = new string('W', 20),
            GivenNames = new string('Œ', FormFields.GivenNames.MaxLength),
            Surname = new string('Ş', FormFields.Surname.MaxLength),
            Email = new string('W', FormFields.Email.MaxLength - 12) + "@example.org",
            DeskAddress = string.Concat(Enumerable.Repeat("Eski Devlet Hastanesi Sağlık Bilgi Sistemleri ", 5))[..200],
            DeliveryAddress = new string('Œ', FormFields.DeliveryAddress.MaxLength),
            Institution = string.Join(' ', Enumerable.Repeat("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", 2))[..FormFields.Institution.MaxLength],
        };

        using var document = PdfText.Open(PrintableFormRenderer.Render(form));

        Assert.Equal(2, document.PageCount);
        var runs = PdfText.ExtractRuns(document.Pages[0]);
        var text = string.Concat(runs.Select(r => r.Text));
        foreach (var value in new[] { form.GivenNames, form.Surname, form.Email })
        {
            var run = Assert.Single(runs, r => r.Text == value); // one line, whole
            Assert.True(run.Size >= FormFields.SingleLineMinSize, $"{value[..5]}… printed at {run.Size} pt");
        }
        // The multi-line fields: every character printed, in at most their lines, at their size.
        Assert.Equal(FormFields.DeliveryAddress.Lines, runs.Count(r => r.Text.Length > 0 && r.Text.All(c => c == 'Œ') && r.Text != form.GivenNames));
        Assert.Contains(form.DeliveryAddress, string.Concat(runs.Where(r => r.Text.All(c => c == 'Œ') && r.Text != form.GivenNames).Select(r => r.Text)));
        Assert.Contains(form.Institution.Replace(" ", ""), text.Replace(" ", ""));
        Assert.All(runs.Where(r => r.Text.Length > 0 && r.Text.All(c => c is 'Œ' or 'W' or ' ') && r.Text.Length > 20),
            r => Assert.True(r.Size >= FormFields.SingleLineMinSize));
    }

    [Fact]
    public void Every_character_the_rules_accept_is_in_the_font()
    {
        // The text comes back out of the PDF only through glyphs the font has (a missing glyph maps to nothing).
        var printable = Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(FormFields.IsPrintable).Where(c => c != ' ').ToArray();
        foreach (var chunk in printable.Chunk(40))
        {
            var form = Samples.FamilyPhysician() with { Surname = new string(chunk) };
            var text = PdfText.PagesOf(PrintableFormRenderer.Render(form))[0];
            Assert.Contains(new string(chunk), text);
        }
    }

    [Fact]
    public void The_limits_are_counted_in_the_widest_accepted_letter()
    {
        var widest = Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(FormFields.IsPrintable)
            .Max(c => FormMeasure.WidthOf(c.ToString(), 1));
        Assert.True(widest <= FormFields.WidestGlyphEm, $"widest accepted character is {widest:F3} em");
        foreach (var field in FormFields.All)
        {
            var size = field.Lines == 1 ? FormFields.SingleLineMinSize : FormFields.MultiLineSize;
            var perLine = (int)Math.Floor(FormFields.ValueWidth / (FormFields.WidestGlyphEm * size));
            Assert.True(field.MaxLength <= perLine * field.Lines, $"{field.Name}: {field.MaxLength} > {perLine} × {field.Lines}");
        }
    }

    [Fact]
    public void Missing_fonts_are_reported_with_the_package_to_install()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DejaVuFontResolver.Load("/nonexistent/fonts"));

        Assert.Contains("install fonts-dejavu-core", error.Message);
    }
}

/// <summary>
/// Reads the barcode back from the content stream: PDFsharp draws each bar as a filled rectangle
/// of the barcode's height (36 pt, set by the renderer); the spaces are the distances between bars. Returns one 9-element
/// narrow/wide pattern (bar, space, bar, …) per symbol.
/// </summary>
internal static class Code39Bars
{
    private const double BarHeight = 36;

    public static IReadOnlyList<string> Read(PdfPage page)
    {
        var ops = ContentReader.ReadContent(page).OfType<COperator>().ToList();
        // A bar is a rectangle path that is filled (re f); outlines (re S) and clips (re W n) are not bars.
        var bars = ops.Zip(ops.Skip(1))
            .Where(pair => pair.First.Name == "re" && pair.Second.Name is "f" or "f*")
            .Select(pair => pair.First.Operands.Select(PdfText.Number).ToArray())
            .Where(r => Math.Abs(Math.Abs(r[3]) - BarHeight) < 0.01)
            .Select(r => (X: r[0], Width: r[2]))
            .OrderBy(bar => bar.X)
            .ToList();
        Assert.True(bars.Count >= 10, $"only {bars.Count} bars found");

        // Elements alternate bar, space, bar, …; a symbol is 5 bars + 4 spaces, then a narrow gap.
        var elements = new List<double>();
        for (var i = 0; i < bars.Count; i++)
        {
            elements.Add(bars[i].Width);
            if (i + 1 < bars.Count)
            {
                elements.Add(bars[i + 1].X - (bars[i].X + bars[i].Width));
            }
        }
        var threshold = (elements.Min() + elements.Max()) / 2;
        Assert.Equal(0, bars.Count % 5);
        var patterns = new List<string>();
        for (var start = 0; start < elements.Count; start += 10)
        {
            patterns.Add(new string(elements.Skip(start).Take(9).Select(w => w > threshold ? 'w' : 'n').ToArray()));
            if (start + 9 < elements.Count)
            {
                Assert.True(elements[start + 9] < threshold, "inter-character gap must be narrow");
            }
        }
        return patterns;
    }
}
