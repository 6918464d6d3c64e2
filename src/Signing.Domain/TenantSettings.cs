namespace Signing.Domain;

/// <summary>
/// One provincial health directorate (tenant = province plate code, "33" Mersin, "01" Adana):
/// its fee, fee account, desk address, officers and how many approvals an application needs.
/// Fees change, so the fee is a setting, not a constant.
/// </summary>
public sealed record TenantSettings(
    string ProvinceCode,
    string Name,
    Money Fee,
    Iban FeeIban,
    string FeeBank,
    string FeeRecipient,
    string DeskAddress,
    string OfficerEmail,
    IReadOnlyCollection<Tckn> Officers,
    int ApprovalsRequired = 1,
    CategoryCheck CategoryCheck = CategoryCheck.Refuse,
    IReadOnlyList<int>? ReminderStageDays = null)
{
    public bool IsOfficer(Tckn tckn) => Officers.Contains(tckn);

    /// <summary>The days before notAfter at which reminders go out (<see cref="ReminderStages.Default"/> unless set).</summary>
    public IReadOnlyList<int> Reminders => ReminderStageDays ?? ReminderStages.Default;

    /// <summary>The seed's directorate (Mersin, 12 March 2024), with the officers of the hsm-sim world.</summary>
    public static TenantSettings Mersin(IReadOnlyCollection<Tckn> officers, int approvalsRequired = 1) => new(
        "33",
        "Mersin İl Sağlık Müdürlüğü",
        Money.Tl(780.00m),
        Iban.Parse("TR41 0001 2009 5940 0005 0000 47"),
        "HALK BANKASI",
        "MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ",
        "İl Sağlık Müdürlüğü, Eski Devlet Hastanesi, Sağlık Bilgi Sistemleri Birimi, Mersin",
        "hasanburak.akgul@saglik.gov.tr",
        officers,
        approvalsRequired);
}

/// <summary>Fixed facts of Kamu SM (TÜBİTAK BİLGEM Kamu Sertifikasyon Merkezi) that the guidance and views quote.</summary>
public static class KamuSm
{
    public const string CallCentre = "444 5 576";
    public const string PostalAddress = "TÜBİTAK BİLGEM Kamu Sertifikasyon Merkezi, TÜBİTAK Gebze Yerleşkesi P.K. 74, 41470 Gebze/KOCAELİ";
    public const string DirectoratePortal = "https://portal.kamusm.gov.tr/bp/ws.go";
    public const string IndividualPortal = "https://onlineislemler.kamusm.gov.tr/";
    public const string IndividualMenu = "NES İşlemleri → Bireysel İşlemler → Başvuru İşlemleri → Kişi Ödemeli Başvurular";
    public const string ReceiptPhrase = "NES 3 YILLIK BAŞVURUSU";
    public const string ReceiptTemplate = "AD-SOYAD-TC / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU";
    public const int NesTermYears = 3;
    public const int PaperCopies = 2;
    /// <summary>A payment to Kamu SM shows up in its system about 5 minutes later.</summary>
    public static readonly TimeSpan PaymentReflectionDelay = TimeSpan.FromMinutes(5);
}
