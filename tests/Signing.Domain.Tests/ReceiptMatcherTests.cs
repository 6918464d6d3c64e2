using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

public class ReceiptMatcherTests
{
    private static readonly TenantSettings Tenant = Mersin();

    private static IReadOnlyList<string> Check(Receipt r, Applicant a) =>
        ReceiptMatcher.Check(r, Tenant.Fee, Tenant.FeeIban, a.Name, a.Tckn).Select(m => m.Code).ToList();

    [Theory]
    [InlineData("İSMAİL ŞAHİN 51287394672 NES 3 YILLIK BAŞVURUSU")]
    [InlineData("ismail şahin-51287394672/ açıklama = nes 3 yıllık başvurusu")]
    [InlineData("İsmail   Şahin - 512 873 946 72 / AÇIKLAMA=NES-3-YILLIK BAŞVURUSU.")]
    [InlineData("AD-SOYAD-TC: İSMAİL ŞAHİN-51287394672 / AÇIKLAMA = NES3 YILLIK BAŞVURUSU")]
    public void Spacing_punctuation_and_case_are_tolerated(string description)
    {
        var r = GoodReceipt(FpExpired) with { Description = description };
        Assert.Empty(Check(r, FpExpired));
    }

    [Fact]
    public void The_amount_must_be_the_tenant_fee() =>
        Assert.Equal([ErrorCodes.ReceiptAmount], Check(GoodReceipt(FpExpired) with { Amount = Money.Tl(700m) }, FpExpired));

    [Fact]
    public void The_iban_must_be_the_tenant_account() =>
        Assert.Equal([ErrorCodes.ReceiptIban], Check(GoodReceipt(FpExpired) with { Iban = Adana.FeeIban }, FpExpired));

    [Theory]
    [InlineData("ŞAHİN 51287394672 NES 3 YILLIK BAŞVURUSU", ErrorCodes.ReceiptGivenName)]
    [InlineData("ISMAIL ŞAHİN 51287394672 NES 3 YILLIK BAŞVURUSU", ErrorCodes.ReceiptGivenName)] // dotless I is another letter in Turkish
    [InlineData("İSMAİL 51287394672 NES 3 YILLIK BAŞVURUSU", ErrorCodes.ReceiptSurname)]
    [InlineData("İSMAİL ŞAHİNOĞLU 51287394672 NES 3 YILLIK BAŞVURUSU", ErrorCodes.ReceiptSurname)] // a longer word is not the surname
    [InlineData("İSMAİL ŞAHİN 51287394671 NES 3 YILLIK BAŞVURUSU", ErrorCodes.ReceiptTckn)]
    [InlineData("İSMAİL ŞAHİN 51287394672 NES 2 YILLIK BAŞVURUSU", ErrorCodes.ReceiptPhrase)]
    [InlineData("İSMAİL ŞAHİN 51287394672 E-İMZA ÜCRETİ", ErrorCodes.ReceiptPhrase)]
    public void Each_missing_part_of_the_description_is_named(string description, string code) =>
        Assert.Equal([code], Check(GoodReceipt(FpExpired) with { Description = description }, FpExpired));

    [Fact]
    public void All_failing_parts_are_reported()
    {
        var codes = Check(GoodReceipt(FpExpired) with { Amount = Money.Tl(1m), Description = "ödeme" }, FpExpired);
        Assert.Equal([ErrorCodes.ReceiptAmount, ErrorCodes.ReceiptGivenName, ErrorCodes.ReceiptSurname, ErrorCodes.ReceiptTckn, ErrorCodes.ReceiptPhrase], codes);
    }

    [Fact]
    public void The_scanned_file_hash_must_be_a_sha256() =>
        Assert.Equal([ErrorCodes.ReceiptFileHash], Check(GoodReceipt(FpExpired) with { FileSha256 = "abc" }, FpExpired));

    [Fact]
    public void The_exact_description_to_write_is_offered() =>
        Assert.Equal("İSMAİL ŞAHİN 51287394672 NES 3 YILLIK BAŞVURUSU", ReceiptMatcher.DescriptionFor(FpExpired.Name, FpExpired.Tckn));
}
