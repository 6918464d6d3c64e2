using System.Text;
using System.Text.Json;
using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>
/// Evidence takes no part in the rules: the decider copies the hashes the command carries into the event, and events
/// written before the evidence fields existed still read (the fields are optional and last).
/// </summary>
public class EvidenceTests
{
    private static readonly RevocationEvidence Crl = new("crl", new string('c', 64), "CN=Test Sub CA", "12", Now.AddDays(-1));
    private static readonly SubmissionEvidence Submission = new(new string('a', 64), new string('b', 64), null, new string('d', 64), [Crl]);
    private static readonly DecisionEvidence DecisionRecord = new(new string('e', 64), new string('f', 64), new string('9', 64), [Crl]);

    [Fact]
    public void A_submission_event_carries_the_commands_evidence_hashes()
    {
        var blobs = new[] { EvidenceBlob.Of(EvidenceMediaTypes.Json, "{}"u8.ToArray()) };
        var events = Spec.Accepted([], Submit(Doctor, ESignedBy(Doctor)) with { Evidence = Submission, EvidenceBlobs = blobs });
        Assert.Same(Submission, Assert.IsType<RenewalSubmitted>(events[0]).Evidence);
    }

    [Fact]
    public void Decision_events_carry_the_commands_evidence_hashes()
    {
        var submitted = Spec.Run(Submit(Doctor, ESignedBy(Doctor)));
        var approved = Spec.Accepted(submitted, new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now.AddHours(1), DecisionRecord));
        Assert.Same(DecisionRecord, Assert.IsType<ApprovalGiven>(approved[0]).Evidence);
        var rejected = Spec.Accepted(submitted, new Reject(Mersin(), OfficerMersin1, "Eksik", SignatureOf(OfficerMersin1), Now.AddHours(1), DecisionRecord));
        Assert.Same(DecisionRecord, Assert.IsType<ApplicationRejected>(rejected[0]).Evidence);
    }

    [Fact]
    public void Evidence_does_not_change_what_is_decided()
    {
        var without = Spec.Accepted([], Submit(Doctor, ESignedBy(Doctor)));
        var with = Spec.Accepted([], Submit(Doctor, ESignedBy(Doctor)) with { Evidence = Submission });
        Assert.Equal(without[0], ((RenewalSubmitted)with[0]) with { Evidence = null });
    }

    [Fact]
    public void A_blob_is_named_by_the_lowercase_hex_sha256_of_its_bytes()
    {
        var blob = EvidenceBlob.Of(EvidenceMediaTypes.Cms, Encoding.ASCII.GetBytes("abc"));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", blob.Sha256);
    }

    [Fact]
    public void Events_stored_without_evidence_still_read_and_evidence_round_trips()
    {
        var old = (ApprovalGiven)Spec.Accepted(Spec.Run(Submit(Doctor, ESignedBy(Doctor))),
            new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now.AddHours(1)))[0];
        var oldJson = JsonSerializer.Serialize(old);
        Assert.DoesNotContain("\"Evidence\":{", oldJson);
        var withoutField = oldJson.Replace(",\"Evidence\":null", "");
        Assert.Null(JsonSerializer.Deserialize<ApprovalGiven>(withoutField)!.Evidence);

        var read = JsonSerializer.Deserialize<ApprovalGiven>(JsonSerializer.Serialize(old with { Evidence = DecisionRecord }))!;
        Assert.Equal(DecisionRecord.DocumentSha256, read.Evidence!.DocumentSha256);
        Assert.Equal(Crl, Assert.Single(read.Evidence.Revocation));
    }
}
