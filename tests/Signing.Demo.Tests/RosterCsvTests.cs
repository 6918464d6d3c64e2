using System.Text;
using Signing.Cli.Commands.Desk;

namespace Signing.Demo.Tests;

/// <summary>Reading the HR system's staff file: encodings, separators, Turkish headers, and the files that are refused.</summary>
public sealed class RosterCsvTests
{
    static RosterCsvTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private const string TurkishExcel =
        "T.C. Kimlik No;Adı Soyadı;Kategori;Kurum;E-Posta Adresi;Cep Telefonu;Durum\r\n" +
        "12345678950;Ayşe Yılmaz;Doktor;Mersin Şehir Hastanesi;ayse@saglik.gov.tr;0532 123 45 67;Aktif\r\n" +
        "\r\n" +
        "40618273540;Gülşen Çelik;AİLE HEKİMİ;Toroslar 3 No'lu ASM;;;Pasif\r\n" +
        ";;;;;;\r\n";

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    [Fact]
    public void Turkish_Excel_UTF8_with_a_BOM_and_semicolons_reads_with_line_numbers()
    {
        var file = RosterCsv.Read([.. Bom, .. Encoding.UTF8.GetBytes(TurkishExcel)], Lang.En);
        Assert.Equal(("UTF-8", ';'), (file.Encoding, file.Separator));
        Assert.Equal(2, file.Rows.Count);
        var ayse = file.Rows[0];
        Assert.Equal((2, "12345678950", "Ayşe Yılmaz", "Doktor", "Mersin Şehir Hastanesi", "ayse@saglik.gov.tr", "0532 123 45 67", "Aktif"),
            (ayse.Row, ayse.Tckn, ayse.Name, ayse.Category, ayse.Institution, ayse.Email, ayse.Phone, ayse.Active));
        // The empty line counts: the row number is the line a person finds in the file.
        Assert.Equal((4, "Gülşen Çelik", "AİLE HEKİMİ", "Pasif", ""), (file.Rows[1].Row, file.Rows[1].Name, file.Rows[1].Category, file.Rows[1].Active, file.Rows[1].Email));
    }

    [Fact]
    public void UTF8_without_a_BOM_with_commas_quotes_and_separate_given_and_surnames()
    {
        var csv = "TC KİMLİK NO,Ad,Soyad,kategori,Kurum Adı,E-posta,Telefon\n" +
                  "31945780276,Mehmet,Öztürk,Yönetici,\"Mersin İl Sağlık Müdürlüğü, Halk Sağlığı\",mehmet@saglik.gov.tr,+90 324 341 06 00\n";
        var file = RosterCsv.Read(Encoding.UTF8.GetBytes(csv), Lang.En);
        Assert.Equal(("UTF-8", ','), (file.Encoding, file.Separator));
        var row = Assert.Single(file.Rows);
        Assert.Equal((2, "Mehmet Öztürk", "Mersin İl Sağlık Müdürlüğü, Halk Sağlığı", ""), (row.Row, row.Name, row.Institution, row.Active));
    }

    [Fact]
    public void Tab_separated_reads_too()
    {
        var csv = "TCKN\tAd Soyad\tKategori\n62739148538\tÖmer Güneş\tDiğer Personel\n";
        var file = RosterCsv.Read(Encoding.UTF8.GetBytes(csv), Lang.En);
        Assert.Equal('\t', file.Separator);
        Assert.Equal(("62739148538", "Ömer Güneş", "Diğer Personel"), (file.Rows[0].Tckn, file.Rows[0].Name, file.Rows[0].Category));
    }

    [Fact]
    public void Windows_1254_is_detected_and_read_as_Turkish()
    {
        var bytes = Encoding.GetEncoding(1254).GetBytes(TurkishExcel);
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(bytes)); // really not UTF-8
        var file = RosterCsv.Read(bytes, Lang.En);
        Assert.Equal(RosterCsv.Windows1254, file.Encoding);
        Assert.Equal(["Ayşe Yılmaz", "Gülşen Çelik"], file.Rows.Select(r => r.Name));
        Assert.Equal("AİLE HEKİMİ", file.Rows[1].Category);
    }

    [Fact]
    public void Bytes_that_are_neither_UTF8_nor_Turkish_Windows_1254_are_refused_with_their_offset()
    {
        // Latin-1 "é" (0xE9) is not a Turkish letter in Windows-1254 either; NUL is no text at all.
        var latin1 = Encoding.Latin1.GetBytes("TCKN;Ad Soyad;Kategori\n12345678950;Renée Dupont;Doktor\n");
        var e = Assert.Throws<DeskException>(() => RosterCsv.Read(latin1, Lang.En));
        Assert.Equal(("roster.notUtf8", DeskExit.BadInput, "roster.next.saveUtf8"), (e.TextKey, e.ExitCode, e.NextKey));
        Assert.Equal(Array.IndexOf(latin1, (byte)0xE9), e.Args[0]);
        Assert.Equal("E9", e.Args[1]);
        var message = Texts.Get(Lang.Tr, e.TextKey, e.Args);
        Assert.Contains("UTF-8 değil", message);

        var binary = new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0xFF, 0xFE, 0x00 };
        Assert.Equal("roster.notUtf8", Assert.Throws<DeskException>(() => RosterCsv.Read(binary, Lang.En)).TextKey);
    }

    [Fact]
    public void A_file_without_the_required_columns_is_refused_naming_the_columns_found()
    {
        var csv = "Sicil;İsim;Görev\n1;Ayşe Yılmaz;Doktor\n";
        var e = Assert.Throws<DeskException>(() => RosterCsv.Read(Encoding.UTF8.GetBytes(csv), Lang.En));
        Assert.Equal("roster.missingColumns", e.TextKey);
        var message = Texts.Get(Lang.En, e.TextKey, e.Args);
        Assert.Contains("T.C. Kimlik No", message);
        Assert.Contains("Kategori", message);
        Assert.Contains("'Sicil', 'İsim', 'Görev'", message);
    }

    [Fact]
    public void Help_of_roster_import_names_the_headers_and_the_options()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(DeskExit.Ok, Signing.Cli.Esign.Run(["roster", "import", "--help"], stdout, stderr));
        Assert.Contains("--complete", stdout.ToString());
        Assert.Contains("--tenant", stdout.ToString());
        Assert.Contains("T.C. Kimlik No", stdout.ToString());
    }

    [Fact]
    public void A_missing_file_is_bad_input()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-roster-" + Guid.NewGuid().ToString("N") + ".csv");
        Assert.Equal(DeskExit.BadInput, Signing.Cli.Esign.Run(["roster", "import", path, "--lang", "en"], new StringWriter(), new StringWriter()));
    }
}
