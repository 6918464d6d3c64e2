using System.Text.Json;
using Signing.Domain;

namespace Signing.Domain.Tests;

/// <summary>Personas of the hsm-sim world, written out here so the domain tests read no files.</summary>
public static class TestData
{
    public static readonly DateTimeOffset Now = new(2024, 3, 12, 9, 0, 0, TimeSpan.FromHours(3));

    public static readonly Tckn OfficerMersin1 = Tckn.Parse("16384729550"); // Fatma Arslan
    public static readonly Tckn OfficerMersin2 = Tckn.Parse("27495816350"); // Ali Demir
    public static readonly Tckn OfficerAdana = Tckn.Parse("38516947250");   // Emine Yıldız

    public static readonly Applicant Doctor = new(Tckn.Parse("12345678950"), PersonName.Parse("Ayşe Yılmaz"), ApplicantCategory.Doctor);
    public static readonly Applicant Manager = new(Tckn.Parse("31945780276"), PersonName.Parse("Mehmet Öztürk"), ApplicantCategory.Manager);
    public static readonly Applicant FpExpiring = new(Tckn.Parse("40618273540"), PersonName.Parse("Gülşen Çelik"), ApplicantCategory.FamilyPhysician);
    public static readonly Applicant FpExpired = new(Tckn.Parse("51287394672"), PersonName.Parse("İsmail Şahin"), ApplicantCategory.FamilyPhysician);
    public static readonly Applicant Individual = new(Tckn.Parse("62739148538"), PersonName.Parse("Ömer Güneş"), ApplicantCategory.Individual);

    /// <summary>An officer who also renews her own NES (as a doctor) — the self-approval case.</summary>
    public static readonly Applicant OfficerAsApplicant = new(OfficerMersin1, PersonName.Parse("Fatma Arslan"), ApplicantCategory.Doctor);

    public static TenantSettings Mersin(int approvals = 1) => TenantSettings.Mersin([OfficerMersin1, OfficerMersin2], approvals);

    public static readonly TenantSettings Adana = new("01", "Adana İl Sağlık Müdürlüğü", Money.Tl(780.00m),
        Iban.Parse("TR120001000100000012345678"), "HALK BANKASI", "ADANA İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ",
        "İl Sağlık Müdürlüğü, Adana", "eimza.adana@example.org", [OfficerAdana]);

    public const string FileSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    public static DateTimeOffset NotAfterFor(Applicant a) => a == FpExpired ? Now.AddDays(-10) : a == FpExpiring ? Now.AddDays(45) : Now.AddDays(80);

    public static SignatureFacts Signed(Tckn signer, DateTimeOffset? notAfter = null, Indication indication = Indication.Passed) =>
        new(indication, signer.Value, notAfter ?? Now.AddDays(80), "ab".PadRight(64, 'c'), SigningTime: Now);

    public static Confirmation ESignedBy(Applicant a) => new Confirmation.ESigned(Signed(a.Tckn, NotAfterFor(a)));
    public static Confirmation EOnayOf(Applicant a) => new Confirmation.EOnay(new EOnayFacts(Indication.Passed, a.Tckn.Value, "EONAY-1", Now));
    public static readonly Confirmation Wet = new Confirmation.Wet();

    public static SubmitRenewal Submit(Applicant a, Confirmation confirmation, TenantSettings? tenant = null, Guid? id = null, DateTimeOffset? notAfter = null) =>
        new(id ?? Guid.Parse("7d9c1e40-3b9a-4f3e-9a51-0c7f1d2e3a4b"), "req-1", tenant ?? Mersin(), a,
            new Contact("ayse@example.org", "+90 532 000 00 00"), "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin",
            new CertificateFacts(notAfter ?? NotAfterFor(a), "11".PadRight(64, '2')), confirmation, Now);

    public static OfficerSignature SignatureOf(Tckn officer) => new([1, 2, 3], Signed(officer, Now.AddDays(900)));

    public static Receipt GoodReceipt(Applicant a, TenantSettings? tenant = null) =>
        new((tenant ?? Mersin()).Fee, (tenant ?? Mersin()).FeeIban, DateOnly.FromDateTime(Now.Date),
            $"{a.Name.Full} - {a.Tckn.Value} / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU", FileSha);

    public static string Json(object o) => JsonSerializer.Serialize(o, o.GetType());
}

/// <summary>Given events, when a command, then events or a refusal code.</summary>
public static class Spec
{
    public static ApplicationState State(params IApplicationEvent[] given) => ApplicationDecider.Fold(given);

    public static IReadOnlyList<IApplicationEvent> Accepted(IEnumerable<IApplicationEvent> given, ApplicationCommand when)
    {
        var decision = ApplicationDecider.Decide(when, ApplicationDecider.Fold(given));
        Assert.True(decision.IsAccepted, "expected acceptance, got " + decision);
        return decision.Events;
    }

    public static void Then(IEnumerable<IApplicationEvent> given, ApplicationCommand when, params IApplicationEvent[] then)
    {
        var events = Accepted(given, when);
        Assert.Equal(then.Select(TestData.Json), events.Select(TestData.Json));
    }

    public static DomainError Refused(IEnumerable<IApplicationEvent> given, ApplicationCommand when, string code)
    {
        var decision = ApplicationDecider.Decide(when, ApplicationDecider.Fold(given));
        Assert.False(decision.IsAccepted, "expected refusal " + code + ", got " + decision);
        Assert.Equal(code, decision.Error!.Code);
        Assert.False(string.IsNullOrWhiteSpace(decision.Error.Message));
        return decision.Error;
    }

    /// <summary>Runs commands in order from nothing, asserting each is accepted; returns all events.</summary>
    public static List<IApplicationEvent> Run(params ApplicationCommand[] commands)
    {
        var events = new List<IApplicationEvent>();
        foreach (var c in commands)
            events.AddRange(Accepted(events, c));
        return events;
    }
}
