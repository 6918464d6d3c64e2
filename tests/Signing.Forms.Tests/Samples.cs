namespace Signing.Forms.Tests;

internal static class Samples
{
    public const string Code = "K7Q-4M2-X9P";
    public const string Tckn = "51287394672";
    public const string Description = "İSMAİL-ŞAHİN-51287394672 / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU";

    public static PrintableForm FamilyPhysician() => new()
    {
        ApplicationId = Guid.Parse("0b7e9c1e-2f4d-4c51-9a3e-6d2b8f1a4c70"),
        ApplicationCode = Code,
        DirectorateName = "Mersin İl Sağlık Müdürlüğü",
        DeskAddress = "İl Sağlık Müdürlüğü, Eski Devlet Hastanesi, Sağlık Bilgi Sistemleri Birimi, Mersin",
        Tckn = Tckn,
        GivenNames = "İsmail",
        Surname = "Şahin",
        Category = "Aile Hekimi",
        Reason = "YENİLEME",
        CertificateKind = "NES",
        TermYears = 3,
        Email = "ismail.sahin@example.org",
        Phone = "+90 324 000 00 00",
        DeliveryAddress = "Çamlıbel Mah. Gözne Cad. No: 12/3, Yenişehir / Mersin",
        Institution = "Yenişehir 5 No'lu Aile Sağlığı Merkezi",
        SubmittedAt = new DateTimeOffset(2026, 11, 20, 9, 30, 0, TimeSpan.Zero),
        Fee = new FeeInstructions("780.00", "TR410001200959400005000047", "Halk Bankası",
            "MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", Description),
    };
}
