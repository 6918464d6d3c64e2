namespace Signing.Domain.Tests;

/// <summary>The province catalog shipped as data: every plate code once, in order, and nothing else found.</summary>
public class ProvincesTests
{
    [Fact]
    public void The_catalog_holds_the_81_plate_codes_once_each_in_order()
    {
        Assert.Equal(81, Provinces.All.Count);
        Assert.Equal(Enumerable.Range(1, 81).Select(n => n.ToString("00", System.Globalization.CultureInfo.InvariantCulture)),
            Provinces.All.Select(p => p.Code));
        Assert.Equal(81, Provinces.All.Select(p => p.Name).Distinct().Count());
        Assert.All(Provinces.All, p => Assert.Same(p, Provinces.Find(p.Code)));
    }

    [Fact]
    public void Find_names_the_province_of_a_plate_code()
    {
        Assert.Equal("Mersin", Provinces.Find("33")!.Name);
        Assert.Equal("Mersin İl Sağlık Müdürlüğü", Provinces.Find("33")!.DirectorateName);
        Assert.Equal("Adana", Provinces.Find("01")!.Name);
        Assert.Equal("Düzce", Provinces.Find("81")!.Name);
    }

    [Theory]
    [InlineData("00")]
    [InlineData("82")]
    [InlineData("3")]
    [InlineData("033")]
    [InlineData(" 3")]
    [InlineData("+3")]
    [InlineData("٣٣")] // Arabic-Indic digits are not a plate code
    [InlineData("")]
    [InlineData(null)]
    public void Find_knows_nothing_but_the_plate_codes(string? code) => Assert.Null(Provinces.Find(code));

    [Theory]
    [InlineData("35", "İZMİR")]
    [InlineData("76", "IĞDIR")]
    [InlineData("33", "MERSİN")]
    [InlineData("13", "BİTLİS")]
    public void Upper_names_follow_Turkish_casing(string code, string upper) => Assert.Equal(upper, Provinces.Find(code)!.UpperName);
}
