using System.Reflection;
using Signing.Domain;

namespace Signing.Domain.Tests;

public class ErrorCatalogueTests
{
    private static IEnumerable<string> Codes() => typeof(ErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!);

    public static TheoryData<string> EveryCode() => [.. Codes()];

    [Theory]
    [MemberData(nameof(EveryCode))]
    public void Every_reason_has_a_Turkish_and_an_English_text(string code)
    {
        var text = ErrorCatalogue.Of(code);
        Assert.False(string.IsNullOrWhiteSpace(text.Turkish), code);
        Assert.False(string.IsNullOrWhiteSpace(text.English), code);
        Assert.NotEqual(text.Turkish, text.English);
    }

    [Fact]
    public void The_catalogue_holds_no_reason_that_is_not_a_code()
    {
        Assert.Equal(Codes().Order(StringComparer.Ordinal), ErrorCatalogue.All.Select(t => t.Reason).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_two_codes_share_a_reason()
    {
        var codes = Codes().ToList();
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void An_unknown_reason_is_refused_not_given_a_vague_text()
    {
        Assert.False(ErrorCatalogue.IsKnown("no.such_reason"));
        Assert.Throws<KeyNotFoundException>(() => ErrorCatalogue.Of("no.such_reason"));
    }

    [Fact]
    public void Every_refusal_the_decider_and_receipt_matcher_can_give_is_in_the_catalogue()
    {
        // The receipt checks return codes of their own making: each must have its texts.
        var problems = ReceiptMatcher.Check(
            new Receipt(Money.Tl(1m), Iban.Parse("TR330006100519786457841326"), new DateOnly(2024, 3, 1), "nothing", "00"),
            Money.Tl(780m), Iban.Parse("TR120001000100000012345678"), PersonName.Parse("Ayşe Yılmaz"), Tckn.Parse("12345678950"));
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.True(ErrorCatalogue.IsKnown(p.Code), p.Code));
    }
}
