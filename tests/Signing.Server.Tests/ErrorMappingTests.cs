using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Signing.Domain;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Server.Services;
using Vf = Signing.Verification;

namespace Signing.Server.Tests;

/// <summary>The translations of the service layer without a server: decision documents, verdict facts, refusals.</summary>
public class ErrorMappingTests
{
    private static readonly DecisionDocumentBody Body = new(DecisionDocumentBody.DocumentType, 1,
        Guid.Parse("0b9e7c35-4c41-4f7e-9d61-2d2c8f0c3a11"), "K7Q-4M2-X9P", "33", 3, OfficerDecision.Reject, "Dekont okunamıyor",
        "16384729550", "Fatma Arslan", new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero));

    private const string BodyJson =
        "{\"type\":\"esign.decision\",\"version\":1,\"applicationId\":\"0b9e7c35-4c41-4f7e-9d61-2d2c8f0c3a11\",\"applicationCode\":\"K7Q-4M2-X9P\"," +
        "\"tenant\":\"33\",\"applicationVersion\":3,\"decision\":\"REJECT\",\"reason\":\"Dekont okunamıyor\",\"officerTckn\":\"16384729550\"," +
        "\"officerName\":\"Fatma Arslan\",\"issuedAt\":\"2026-12-01T09:30:00+00:00\"}";

    [Fact]
    public void A_decision_document_keeps_its_exact_bytes_and_reads_back()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(Body, DecisionDocumentBody.Json);
        Assert.Equal(BodyJson, Encoding.UTF8.GetString(bytes));
        Assert.Equal(Body, DecisionDocumentBody.TryParse(bytes));
        Assert.Equal(OfficerDecision.Approve,
            DecisionDocumentBody.TryParse(Encoding.UTF8.GetBytes(BodyJson.Replace("\"REJECT\"", "\"APPROVE\"")))!.Decision);
    }

    [Theory]
    [InlineData("\"decision\":\"reject\",")]
    [InlineData("\"decision\":\"Reject\",")]
    [InlineData("\"decision\":2,")]
    [InlineData("\"decision\":\"MAYBE\",")]
    [InlineData("")]
    public void A_decision_spelled_otherwise_or_missing_is_not_a_decision_document(string decision)
    {
        var json = BodyJson.Replace("\"decision\":\"REJECT\",", decision);
        Assert.Null(DecisionDocumentBody.TryParse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void A_verdict_without_a_signer_gives_facts_the_rules_never_take_for_a_valid_certificate()
    {
        var verdict = Verdict(Vf.Indication.Indeterminate, Vf.SubIndication.NoSigningCertificateFound, signer: null);
        var facts = VerdictFacts.Signature(verdict);
        Assert.Equal(Indication.Indeterminate, facts.Indication);
        Assert.Null(facts.SignerTckn);
        Assert.Equal("", facts.CertificateSha256);
        Assert.Equal("NO_SIGNING_CERTIFICATE_FOUND", facts.SubIndication);
        Assert.False(RenewalWindow.CanESign(facts.CertificateNotAfter, DateTimeOffset.UtcNow));
        Assert.Same(VerdictFacts.NoCertificate, VerdictFacts.Certificate(verdict));
    }

    [Fact]
    public void A_passed_verdict_gives_the_signer_and_certificate_facts()
    {
        var notAfter = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var verdict = Verdict(Vf.Indication.TotalPassed, Vf.SubIndication.None,
            new Vf.SignerIdentity("CN=A", "A", "12345678950", "CN=CA", "01", "ab12", notAfter.AddYears(-3), notAfter));
        Assert.Equal(new SignatureFacts(Indication.Passed, "12345678950", notAfter, "ab12"), VerdictFacts.Signature(verdict));
        Assert.Equal(new CertificateFacts(notAfter, "ab12"), VerdictFacts.Certificate(verdict));
    }

    private static Vf.Verdict Verdict(Vf.Indication indication, Vf.SubIndication sub, Vf.SignerIdentity? signer) => new()
    {
        Indication = indication,
        SubIndication = sub,
        Checks = [],
        Policy = new Vf.PolicyReference("test", ""),
        ValidationTime = DateTimeOffset.UnixEpoch,
        Signer = signer,
    };

    [Fact]
    public void A_domain_refusal_carries_its_code_and_the_catalogue_Turkish_text()
    {
        var error = StoreErrors.FromDomain(new DomainError(ErrorCodes.WrongTenant, "This application belongs to directorate 33, not 01."), "application/x");
        Assert.Equal(StatusCode.PermissionDenied, error.Code);
        Assert.Equal("WRONG_TENANT", error.Reason);
        Assert.Equal(ErrorCatalogue.Of(ErrorCodes.WrongTenant).Turkish, error.MessageTr);
    }

    [Fact]
    public void A_refusal_is_Turkish_by_default_and_English_when_asked()
    {
        var error = ServiceError.FromCatalogue(StatusCode.Unavailable, ErrorCodes.DatabaseUnavailable);
        var turkish = ErrorInterceptor.ToRpcException(error).GetRpcStatus()!.GetDetail<LocalizedMessage>()!;
        Assert.Equal(("tr-TR", ErrorCatalogue.Of(ErrorCodes.DatabaseUnavailable).Turkish), (turkish.Locale, turkish.Message));
        var english = ErrorInterceptor.ToRpcException(error, english: true).GetRpcStatus()!.GetDetail<LocalizedMessage>()!;
        Assert.Equal(("en-US", ErrorCatalogue.Of(ErrorCodes.DatabaseUnavailable).English), (english.Locale, english.Message));
    }
}
