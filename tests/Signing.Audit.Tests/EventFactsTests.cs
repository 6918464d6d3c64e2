namespace Signing.Audit.Tests;

public sealed class EventFactsTests
{
    [Fact]
    public void A_submission_as_Marten_stores_it_names_its_evidence_and_time()
    {
        const string json = """
            {"At": "2026-12-02T06:01:02.5+00:00", "Method": "ESignature", "ApplicantTckn": "12345678950",
             "Evidence": {"FormSha256": "aa", "CmsSha256": "bb", "EOnaySha256": null, "ReportSha256": "cc",
                          "Revocation": [{"Kind": "crl", "Sha256": "dd", "Issuer": "CN=x", "Number": "1", "ThisUpdate": null}]}}
            """;
        var facts = EventFacts.Read(EventFacts.Submitted, json);
        Assert.Equal(DateTimeOffset.Parse("2026-12-02T06:01:02.5Z"), facts.At);
        Assert.True(facts.HasEvidence);
        Assert.Equal(["aa", "bb", "cc", "dd"], facts.Hashes());
        Assert.Equal(("ESignature", "12345678950"), (facts.Method, facts.ApplicantTckn));
    }

    [Fact]
    public void Camel_case_names_read_the_same_and_a_decision_keeps_its_inline_signature()
    {
        var facts = EventFacts.Read(EventFacts.Approved,
            """{"at": "2026-12-02T06:00:00+00:00", "officerTckn": "16384729550", "signature": "AQID", "evidence": {"documentSha256": "d", "cmsSha256": "c", "reportSha256": "r", "revocation": []}}""");
        Assert.Equal([1, 2, 3], facts.Signature);
        Assert.Equal(["c", "d", "r"], facts.Hashes().Order());
        Assert.Equal("16384729550", facts.OfficerTckn);
    }

    [Fact]
    public void Unreadable_JSON_and_an_event_without_evidence_say_so()
    {
        Assert.NotNull(EventFacts.Read(EventFacts.Submitted, "{not json").Unreadable);
        Assert.False(EventFacts.Read(EventFacts.Submitted, """{"At": "2026-12-02T06:00:00+00:00"}""").HasEvidence);
    }
}
