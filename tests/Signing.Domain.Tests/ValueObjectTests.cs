using Signing.Domain;

namespace Signing.Domain.Tests;

public class TcknTests
{
    [Theory]
    [InlineData("12345678950")]
    [InlineData("40618273540")]
    [InlineData("51287394672")]
    [InlineData("16384729550")]
    [InlineData("38516947250")]
    public void Persona_numbers_pass_the_checksum(string value) => Assert.True(Tckn.TryParse(value, out _));

    [Theory]
    [InlineData("12345678951")] // d11 wrong
    [InlineData("12345678940")] // d10 wrong
    [InlineData("02345678950")] // first digit 0
    [InlineData("1234567895")]  // 10 digits
    [InlineData("1234567895a")]
    [InlineData("")]
    [InlineData(null)]
    public void Bad_numbers_are_refused(string? value) => Assert.False(Tckn.TryParse(value, out _));

    [Theory]
    [InlineData("123456789", "12345678950")]
    [InlineData("406182735", "40618273540")]
    [InlineData("512873946", "51287394672")]
    public void Check_digits_are_computed_from_the_first_nine(string nine, string expected) =>
        Assert.Equal(expected, Tckn.WithCheckDigits(nine).Value);

    [Theory]
    [InlineData("012345678")]
    [InlineData("12345678")]
    [InlineData("12345678a")]
    public void Check_digits_need_nine_digits_not_starting_with_0(string nine) =>
        Assert.Throws<ArgumentException>(() => Tckn.WithCheckDigits(nine));

    [Fact]
    public void Mask_shows_the_first_three_digits_only_and_ToString_never_leaks()
    {
        var t = Tckn.Parse("12345678950");
        Assert.Equal("123********", t.Mask());
        Assert.Equal("123********", $"{t}");
        Assert.DoesNotContain("50", t.ToString());
    }

    [Theory]
    [InlineData("TCKN 12345678950.", "TCKN 123********.")]
    [InlineData("TR12345678950/IDCTR-10000000146", "TR123********/IDCTR-100********")]
    [InlineData("12345678901 fails the checksum", "12345678901 fails the checksum")]
    [InlineData("123456789501 and 012345678950 are not 11-digit numbers", "123456789501 and 012345678950 are not 11-digit numbers")]
    [InlineData("", "")]
    public void MaskAll_masks_every_TCKN_in_a_text_and_nothing_else(string text, string expected) =>
        Assert.Equal(expected, Tckn.MaskAll(text));

    [Theory]
    [InlineData("12345678950")]
    [InlineData("10000000146")]
    [InlineData("99999999990")]
    public void A_mask_leaves_at_least_a_million_candidates(string tckn)
    {
        // Every valid TCKN is its first nine digits plus the two check digits they determine, so walking every first nine
        // walks every valid TCKN: count those whose mask is the one a log would show.
        var mask = Tckn.Mask(tckn);
        var candidates = 0;
        var shown = mask.TakeWhile(char.IsAsciiDigit).Count();
        var prefix = tckn[..shown];
        var free = 9 - shown;
        var limit = (int)Math.Pow(10, free);
        for (var rest = 0; rest < limit; rest++)
        {
            var nine = prefix + rest.ToString().PadLeft(free, '0');
            if (Tckn.Mask(Tckn.WithCheckDigits(nine).Value) == mask)
                candidates++;
        }

        // Showing the check digits as well (123******50) would leave about 10^4.
        Assert.Equal(1_000_000, candidates);
        // The other valid numbers (other first digits) all mask differently: the count above is every candidate.
        Assert.NotEqual(mask, Tckn.Mask(Tckn.WithCheckDigits(prefix[..^1] + (prefix[^1] == '9' ? '8' : '9') + new string('0', free)).Value));
    }
}

public class IbanTests
{
    [Fact]
    public void The_seed_fee_account_is_valid_and_prints_in_groups()
    {
        var iban = Iban.Parse("TR41 0001 2009 5940 0005 0000 47");
        Assert.Equal("TR410001200959400005000047", iban.Value);
        Assert.Equal("TR41 0001 2009 5940 0005 0000 47", iban.Formatted);
    }

    [Theory]
    [InlineData("TR42 0001 2009 5940 0005 0000 47")] // check digits
    [InlineData("TR41 0001 2009 5940 0005 0000 48")] // one digit changed
    [InlineData("DE41 0001 2009 5940 0005 0000 47")] // not Turkish
    [InlineData("TR41 0001 2009 5940 0005 0000")]    // too short
    public void Bad_ibans_are_refused(string text) => Assert.False(Iban.TryParse(text, out _));
}

public class MoneyTests
{
    [Fact]
    public void Lira_are_exact_and_scale_does_not_matter() => Assert.Equal(Money.Tl(780m), Money.Tl(780.00m));

    [Theory]
    [InlineData("780,00", 780.00)]
    [InlineData("780.00", 780.00)]
    [InlineData("1.780,50 TL", 1780.50)]
    public void Receipt_amounts_parse(string text, decimal expected)
    {
        Assert.True(Money.TryParse(text, out var m));
        Assert.Equal(expected, m.Amount);
    }

    [Fact]
    public void Fractions_of_a_kurus_and_negatives_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.Tl(780.001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.Tl(-1m));
        Assert.False(Money.TryParse("780,005", out _));
    }

    [Fact]
    public void Prints_the_Turkish_way() => Assert.Equal("780,00 TL", Money.Tl(780m).ToString());
}

public class PersonNameTests
{
    [Theory]
    [InlineData("İsmail Şahin", "İSMAİL ŞAHİN")]
    [InlineData("Ayşe Yılmaz", "AYŞE YILMAZ")]
    [InlineData("Gülşen Çelik", "GÜLŞEN ÇELİK")]
    [InlineData("Çiğdem Aydın", "ÇİĞDEM AYDIN")]
    public void Upper_case_is_Turkish(string name, string upper) => Assert.Equal(upper, PersonName.Parse(name).Upper);

    [Fact]
    public void Last_word_is_the_surname()
    {
        var n = PersonName.Parse("  Ayşe   Nur Yılmaz ");
        Assert.Equal("Ayşe Nur", n.GivenName);
        Assert.Equal("Yılmaz", n.Surname);
    }

    [Fact]
    public void Comparison_is_tr_TR_dotted_and_dotless_i_are_different_letters()
    {
        Assert.True(PersonName.Parse("İSMAİL ŞAHİN").SameAs(PersonName.Parse("ismail şahin")));
        Assert.False(PersonName.Parse("Ismail Şahin").SameAs(PersonName.Parse("İsmail Şahin")));
    }
}

public class ApplicationCodeTests
{
    [Fact]
    public void Code_is_short_typeable_and_deterministic()
    {
        var id = Guid.Parse("7d9c1e40-3b9a-4f3e-9a51-0c7f1d2e3a4b");
        var code = ApplicationCode.From(id);
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$", code);
        Assert.Equal(code, ApplicationCode.From(id));
        Assert.NotEqual(code, ApplicationCode.From(Guid.Parse("8d9c1e40-3b9a-4f3e-9a51-0c7f1d2e3a4b")));
    }
}

public class RenewalWindowTests
{
    private static readonly DateTimeOffset Now = TestData.Now;

    [Fact]
    public void More_than_three_months_left_is_valid() => Assert.Equal(CertificateState.Valid, RenewalWindow.Classify(Now.AddMonths(3).AddDays(1), Now));

    [Fact]
    public void Three_months_or_less_left_is_expiring()
    {
        Assert.Equal(CertificateState.Expiring, RenewalWindow.Classify(Now.AddMonths(3), Now));
        Assert.Equal(CertificateState.Expiring, RenewalWindow.Classify(Now.AddMinutes(1), Now));
    }

    [Fact]
    public void Past_not_after_is_expired()
    {
        Assert.Equal(CertificateState.Expired, RenewalWindow.Classify(Now, Now));
        Assert.False(RenewalWindow.CanESign(Now.AddDays(-10), Now));
        Assert.True(RenewalWindow.CanESign(Now.AddDays(1), Now));
    }

    [Theory]
    [InlineData(91, CertificateState.Valid)]
    [InlineData(90, CertificateState.Expiring)]
    [InlineData(0, CertificateState.Expiring)]
    [InlineData(-1, CertificateState.Expired)]
    public void Days_left_map_to_states(int days, CertificateState state) => Assert.Equal(state, RenewalWindow.FromDaysLeft(days));
}
