using Signing.Domain;

namespace Signing.Domain.Tests;

public class RosterRowTests
{
    private static RawRosterRow Row(int row = 2, string? tckn = "12345678950", string? name = "Ayşe Yılmaz", string? category = "Doktor",
        string? institution = "Mersin Şehir Hastanesi", string? email = "ayse.yilmaz@saglik.gov.tr", string? phone = "0532 123 45 67", string? active = "") =>
        new(row, tckn, name, category, institution, email, phone, active);

    [Fact]
    public void A_good_row_becomes_an_entry_with_its_fields_normalised()
    {
        var (entry, problem) = RosterRules.Judge(Row(name: "  Ayşe   Yılmaz ", email: " Ayse.Yilmaz@SAGLIK.gov.tr ", category: "AİLE HEKİMİ"));
        Assert.Null(problem);
        Assert.Equal("12345678950", entry!.Tckn.Value);
        Assert.Equal("Ayşe Yılmaz", entry.Name);
        Assert.Equal(StaffCategory.FamilyPhysician, entry.Category);
        Assert.Equal("Ayse.Yilmaz@saglik.gov.tr", entry.Email);
        Assert.Equal("+905321234567", entry.Phone);
        Assert.True(entry.Active);
    }

    [Theory]
    [InlineData("", "tckn", "required")]
    [InlineData("12345678951", "tckn", "check digits")]
    [InlineData("02345678950", "tckn", "not a valid TCKN")]
    public void A_bad_tckn_is_refused(string tckn, string field, string reason)
    {
        var problem = RosterRules.Judge(Row(tckn: tckn)).Problem!;
        Assert.Equal(field, problem.Field);
        Assert.Contains(reason, problem.Reason);
        Assert.Equal(2, problem.Row);
        Assert.DoesNotContain("12345678", problem.TcknMasked[3..]);
    }

    [Fact]
    public void An_unknown_category_is_refused_naming_the_accepted_ones()
    {
        var problem = RosterRules.Judge(Row(category: "Hemşire")).Problem!;
        Assert.Equal("category", problem.Field);
        Assert.Contains("'Hemşire'", problem.Reason);
        Assert.Contains("Aile Hekimi", problem.Reason);
        Assert.Contains("FAMILY_PHYSICIAN", problem.Reason);
        Assert.Equal("123********", problem.TcknMasked);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("   ", "required")]
    [InlineData("12345", "not a person's name")]
    public void A_missing_or_senseless_name_is_refused(string name, string reason)
    {
        var problem = RosterRules.Judge(Row(name: name)).Problem!;
        Assert.Equal("name", problem.Field);
        Assert.Contains(reason, problem.Reason);
    }

    [Fact]
    public void A_name_too_long_is_refused() =>
        Assert.Equal("name", RosterRules.Judge(Row(name: new string('a', RosterRules.MaxNameLength + 1))).Problem!.Field);

    [Theory]
    [InlineData("ayse@saglik.gov.tr", "ayse@saglik.gov.tr")]
    [InlineData("a.b+c@Mersin.Saglik.GOV.TR", "a.b+c@mersin.saglik.gov.tr")]
    [InlineData("Ayşe Yılmaz <ayse@saglik.gov.tr>", null)]
    [InlineData("ayse yilmaz@saglik.gov.tr", null)]
    [InlineData("ayse@localhost", null)]
    [InlineData("ayse@@saglik.gov.tr", null)]
    [InlineData("ayse.@saglik.gov.tr", null)]
    [InlineData("ay..se@saglik.gov.tr", null)]
    [InlineData("\"ayse\"@saglik.gov.tr", null)]
    [InlineData("ayse@saglik.gov.t", null)]
    [InlineData("ayşe@saglik.gov.tr", null)]
    public void An_email_is_a_plain_address(string text, string? expected) => Assert.Equal(expected, RosterRules.Email(text));

    [Fact]
    public void A_malformed_email_refuses_the_row_and_an_empty_one_does_not()
    {
        Assert.Equal("email", RosterRules.Judge(Row(email: "ayse at saglik")).Problem!.Field);
        var (entry, problem) = RosterRules.Judge(Row(email: "  "));
        Assert.Null(problem);
        Assert.Null(entry!.Email);
    }

    [Theory]
    [InlineData("0532 123 45 67", "+905321234567")]
    [InlineData("+90 (532) 123-45-67", "+905321234567")]
    [InlineData("905321234567", "+905321234567")]
    [InlineData("0090 532 123 4567", "+905321234567")]
    [InlineData("5321234567", "+905321234567")]
    [InlineData("0 (324) 341 06 00", "+903243410600")]
    [InlineData("532 123 45 6", null)]
    [InlineData("0532 123 45 678", null)]
    [InlineData("+49 30 1234567", null)]
    [InlineData("0800 123 45 67", null)]
    [InlineData("yok", null)]
    [InlineData("0532 123 45 67 dahili 12", null)]
    public void A_phone_is_a_Turkish_number(string text, string? expected) => Assert.Equal(expected, RosterRules.Phone(text));

    [Theory]
    [InlineData("", true)]
    [InlineData("Aktif", true)]
    [InlineData("EVET", true)]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("Pasif", false)]
    [InlineData("HAYIR", false)]
    [InlineData("hayır", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("belki", null)]
    public void Active_text(string text, bool? expected) => Assert.Equal(expected, RosterRules.Active(text));

    [Fact]
    public void An_unknown_active_text_refuses_the_row() =>
        Assert.Equal("active", RosterRules.Judge(Row(active: "izinli")).Problem!.Field);

    [Fact]
    public void A_tckn_given_twice_refuses_the_later_row_and_keeps_the_first()
    {
        var (entries, problems) = RosterRules.JudgeAll([Row(row: 2, name: "Ayşe Yılmaz"), Row(row: 3, tckn: "40618273540"), Row(row: 7, name: "Ayşe Başka")]);
        Assert.Equal(2, entries.Count);
        Assert.Equal("Ayşe Yılmaz", entries.Single(e => e.Tckn.Value == "12345678950").Name);
        var twice = Assert.Single(problems);
        Assert.Equal((7, "row"), (twice.Row, twice.Field));
        Assert.Contains("row 2", twice.Reason);
    }

    [Fact]
    public void Refused_rows_are_reported_and_the_rest_kept()
    {
        var (entries, problems) = RosterRules.JudgeAll([Row(row: 2), Row(row: 3, tckn: "11111111111"), Row(row: 4, tckn: "40618273540", category: "x"),
            Row(row: 5, tckn: "51287394672", email: "bad@"), Row(row: 6, tckn: "62739148538", category: "diğer personel")]);
        Assert.Equal(["12345678950", "62739148538"], entries.Select(e => e.Tckn.Value));
        Assert.Equal([(3, "tckn"), (4, "category"), (5, "email")], problems.Select(p => (p.Row, p.Field)));
    }
}
