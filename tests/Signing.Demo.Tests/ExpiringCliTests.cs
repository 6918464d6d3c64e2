using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Signing.Cli.Commands.Desk;
using Signing.Contracts.V1;
using Spectre.Console;

namespace Signing.Demo.Tests;

/// <summary>`esign expiring` without a server: its options and the table it prints.</summary>
public sealed class ExpiringCliTests
{
    private static ParseResult Parse(string line) => new RootCommand { ExpiringCommand.Create() }.Parse(line);

    [Fact]
    public void Within_defaults_to_90_and_takes_a_category_and_stats()
    {
        var parse = Parse("expiring --category family-physician --stats");
        Assert.Empty(parse.Errors);
        Assert.Equal(90, parse.GetValue<int>("--within"));
        Assert.Equal("family-physician", parse.GetValue<string?>("--category"));
        Assert.True(parse.GetValue<bool>("--stats"));
        Assert.Equal(30, Parse("expiring --within 30").GetValue<int>("--within"));
    }

    [Theory]
    [InlineData("expiring --within 0")]
    [InlineData("expiring --within 366")]
    [InlineData("expiring --category pilot")]
    [InlineData("expiring --limit 0")]
    public void Bad_options_are_refused(string line) => Assert.NotEmpty(Parse(line).Errors);

    private static string Render(string lang, params ExpiringPerson[] people)
    {
        var command = new Command("table");
        var options = DeskOptions.AddTo(command);
        using var ctx = new DeskContext(new RootCommand { command }.Parse("table --lang " + lang), options);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        console.Write(ExpiringCommand.Table(ctx, people));
        return writer.ToString();
    }

    private static readonly ExpiringPerson Physician = new()
    {
        TcknMasked = "406********", Name = "Gülşen Çelik", Category = StaffCategory.FamilyPhysician, Institution = "Toroslar ASM", OnRoster = true,
        NotAfter = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 20, 10, 0, 0, TimeSpan.Zero)), DaysLeft = 17,
        RenewalOpen = true, ApplicationId = "f0e1", ApplicationStatus = "AWAITING_APPROVAL", LastReminderStage = 30,
    };

    private static readonly ExpiringPerson Stranger = new()
    {
        TcknMasked = "627********", Name = "Ömer Güneş", Category = StaffCategory.OtherStaff, OnRoster = false,
        NotAfter = Timestamp.FromDateTimeOffset(new DateTimeOffset(2027, 2, 1, 10, 0, 0, TimeSpan.Zero)), DaysLeft = 60,
    };

    [Fact]
    public void The_table_shows_masked_TCKN_category_days_left_renewal_and_reminder_in_Turkish()
    {
        var text = Render("tr", Physician, Stranger);
        foreach (var header in new[] { "TCKN", "Kategori", "Kurum", "Bitiş tarihi", "Kalan gün", "Yenileme", "Son hatırlatma" })
            Assert.Contains(header, text);
        var lines = text.Split('\n');
        var physician = Assert.Single(lines, l => l.Contains("406********"));
        foreach (var cell in new[] { "Gülşen Çelik", "Aile Hekimi", "Toroslar ASM", "2026-12-20", " 17 ", "ONAY BEKLİYOR", "30 gün" })
            Assert.Contains(cell, physician);
        var stranger = Assert.Single(lines, l => l.Contains("627********"));
        foreach (var cell in new[] { "Diğer Personel (kadroda değil)", "2027-02-01", " 60 ", "—" })
            Assert.Contains(cell, stranger);
        Assert.DoesNotContain("40618273540", text);
    }

    [Fact]
    public void The_table_speaks_English_with_lang_en()
    {
        var text = Render("en", Physician, Stranger);
        Assert.Contains("Days left", text);
        Assert.Contains("Family physician", Assert.Single(text.Split('\n'), l => l.Contains("406********")));
        Assert.Contains("30 days", text);
        Assert.Contains("Other staff (not on the roster)", text);
        Assert.Contains("AWAITING_APPROVAL", text);
    }

    [Fact]
    public void The_help_names_the_options()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = Signing.Cli.Esign.Run(["expiring", "--help"], stdout, stderr);
        Assert.Equal(DeskExit.Ok, exit);
        foreach (var option in new[] { "--within", "--category", "--stats", "--limit" })
            Assert.Contains(option, stdout.ToString());
    }
}
