using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.OpenSsl;
using Signing.Audit;
using Signing.Domain;
using Signing.Record;
using Signing.Server.Mapping;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;
using Signing.Verification;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Server.Tests.Audit;

/// <summary>
/// Records whose signatures rested on OCSP answers, kept by <see cref="EvidenceRecord"/> as the server keeps them and
/// audited by <see cref="Auditor"/> from memory. The answers are the NES sub-CA's own, made here with BouncyCastle for the
/// real cards' certificates; the verification that made each record had no CRL of the sub-CA, so only the stored OCSP
/// answer can speak for the signer, and the audit can pass only by re-reading it.
/// </summary>
public sealed class OcspAuditTests
{
    private static readonly Guid Stream = Guid.Parse("5e1f0c2a-7b3d-4e8f-9a61-00000000c5b1");
    private const string Tenant = "33";

    private static readonly Lazy<World> Shared = new(() => new World());

    private sealed class World
    {
        public TrustConfiguration Trust { get; } = TrustConfiguration.Load(LocalWorld.TrustConfigurationPath);
        public BcCertificate SubCa { get; } = HsmWorldFixture.ReadCertificate(Cards.Manifest.Pki.NesSubCaCertificate);
        public AsymmetricKeyParameter SubCaKey { get; } = ReadKey(Cards.Manifest.Pki.NesSubCaKey);

        /// <summary>The configuration's CRLs except the sub-CA's: the root's still speaks for the sub-CA certificate.</summary>
        public IReadOnlyList<ParsedCrl> CaCrls => Trust.Crls.Where(c => !c.Issuer.Equivalent(SubCa.SubjectDN, true)).ToList();

        private static AsymmetricKeyParameter ReadKey(string pemPath)
        {
            using var reader = new StringReader(File.ReadAllText(pemPath));
            return new PemReader(reader).ReadObject() switch
            {
                AsymmetricCipherKeyPair pair => pair.Private,
                AsymmetricKeyParameter k => k,
                var other => throw new InvalidDataException($"unexpected {other?.GetType().Name} in the sub-CA key file"),
            };
        }

        /// <summary>The sub-CA's "good" answer for <paramref name="certificate"/>, current for four hours around <paramref name="now"/>.</summary>
        public byte[] Good(BcCertificate certificate, DateTimeOffset now)
        {
            var id = new CertificateID(new AlgorithmIdentifier(OiwObjectIdentifiers.IdSha1, DerNull.Instance), SubCa, certificate.SerialNumber);
            var gen = new BasicOcspRespGenerator(new RespID(SubCa.SubjectDN));
            var thisUpdate = now.UtcDateTime.AddMinutes(-10);
            gen.AddResponse(id, CertificateStatus.Good, thisUpdate, now.UtcDateTime.AddHours(4), null);
            var basic = gen.Generate(new Asn1SignatureFactory("SHA256WITHRSA", SubCaKey), null, thisUpdate);
            return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
        }

        /// <summary>A verifier as the server's would be with the sub-CA's answer for the persona's certificate held.</summary>
        public CmsVerifier WithOcspFor(string persona, DateTimeOffset now) =>
            new(Trust, new Held(CaCrls, ParsedOcspResponse.From(Good(Cards.Key(persona).Certificate, now))));
    }

    /// <summary>What a live source holds: CRLs and one OCSP answer, asked for whatever certificate (the engine checks the CertID).</summary>
    private sealed class Held(IReadOnlyList<ParsedCrl> crls, ParsedOcspResponse response) : IRevocationSource
    {
        public IReadOnlyList<ParsedCrl> Crls => crls;
        public ParsedOcspResponse? FindOcsp(ParsedCertificate certificate, ParsedCertificate issuer) => response;
        public long Generation => 1;
    }

    /// <summary>An e-signed submission and an approval of it, both resting on OCSP, as the server records them.</summary>
    private sealed record Recorded(List<(string Type, string Json, IReadOnlyList<EvidenceBlob> Blobs)> Events, byte[] Document, byte[] OfficerCms,
        string OcspOfSubmission, DateTimeOffset ApprovedAt);

    private static Recorded Record()
    {
        var world = Shared.Value;
        var now = DateTimeOffset.UtcNow;
        var events = new List<(string, string, IReadOnlyList<EvidenceBlob>)>();

        var form = Cards.Json(Cards.Form("doctor", Tenant, Signing.Contracts.V1.ApplicantCategory.Doctor));
        var cms = Cards.Sign("doctor", form);
        var applicant = world.WithOcspFor("doctor", now).Verify(cms, form, new VerificationOptions { At = now, ExpectedTckn = Cards.Tckn("doctor") });
        Assert.True(applicant.Passed, applicant.ToJson());
        var (submission, submissionBlobs) = EvidenceRecord.ESigned(cms, form, applicant);
        var ocsp = Assert.Single(submission.Revocation, r => r.Kind == RevocationKinds.Ocsp);
        Assert.Contains(submissionBlobs, b => b.Sha256 == ocsp.Sha256 && b.MediaType == EvidenceMediaTypes.OcspResponse);
        events.Add(("renewal_submitted", JsonSerializer.Serialize(new
        {
            ApplicantTckn = Cards.Tckn("doctor"), Method = "ESignature", At = now, Evidence = submission,
        }), submissionBlobs));

        var officer = Cards.Tckn("officer-mersin-1");
        var approvedAt = now.AddSeconds(1);
        var document = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { applicationId = Stream, decision = "APPROVE", officerTckn = officer }));
        var officerCms = Cards.Sign("officer-mersin-1", document, detached: true);
        var decision = world.WithOcspFor("officer-mersin-1", approvedAt)
            .Verify(officerCms, document, new VerificationOptions { At = approvedAt, ExpectedTckn = officer });
        Assert.True(decision.Passed, decision.ToJson());
        var (approval, approvalBlobs) = EvidenceRecord.Decision(document, officerCms, decision);
        Assert.Contains(approval.Revocation, r => r.Kind == RevocationKinds.Ocsp);
        events.Add(("approval_given", JsonSerializer.Serialize(new
        {
            OfficerTckn = officer, Signature = officerCms, At = approvedAt, Evidence = approval,
        }), approvalBlobs));
        return new Recorded(events, document, officerCms, ocsp.Sha256, approvedAt);
    }

    /// <summary>The recorded events as a store would yield them (leaves over the events; evidence by hash), blobs changeable.</summary>
    private sealed class MemorySource(Recorded recorded, Func<EvidenceBlob, EvidenceBlob>? change = null) : IAuditSource
    {
        public Task<SourceInfo> InfoAsync(CancellationToken ct) =>
            Task.FromResult(new SourceInfo("memory", recorded.Events.Count, recorded.Events.Count, 0));

        public Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<StoredCheckpoint>>([]);

        public async IAsyncEnumerable<IReadOnlyList<LogEntry>> EntriesAsync(bool withEvidence, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            var entries = new List<LogEntry>();
            for (var i = 0; i < recorded.Events.Count; i++)
            {
                var (type, json, blobs) = recorded.Events[i];
                var e = new StoredEvent(i + 1, Tenant, Stream, i + 1, type, LeafInput.Micros(DateTimeOffset.UtcNow), json);
                var digest = LeafInput.JsonSha256(e.Json);
                var leaf = new LogLeaf(i, e.SeqId, e.Tenant, e.StreamId, e.Version, e.Type,
                    MerkleHash.Leaf(LeafInput.For(e.Tenant, e.StreamId, e.Version, e.Type, e.TimestampMicros, digest)), digest);
                var evidence = withEvidence
                    ? blobs.Select(b => change?.Invoke(b) ?? b).ToDictionary(b => b.Sha256, StringComparer.Ordinal)
                    : LogEntry.NoEvidence;
                entries.Add(new LogEntry(leaf, e, evidence));
            }
            yield return entries;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static Task<AuditReport> AuditAsync(Recorded recorded, DateTimeOffset now, Func<EvidenceBlob, EvidenceBlob>? change = null) =>
        new Auditor(new AuditOptions { Trust = Shared.Value.Trust, Now = now, AllowUnsealedTail = true, Parallelism = 1 })
            .RunAsync(new MemorySource(recorded, change));

    private static string Describe(AuditReport report) => string.Join('\n', report.Problems.Select(p => $"{p.Code}: {p}"));

    [Fact]
    public async Task A_submission_and_an_approval_resting_on_OCSP_answers_re_verify_from_the_stored_answers()
    {
        var recorded = Record();
        var report = await AuditAsync(recorded, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(report.ProblemCount == 0, Describe(report));
        Assert.Equal(1, report.SubmissionsReVerified);
        Assert.Equal(1, report.DecisionsReVerified);
    }

    [Fact]
    public async Task Without_its_OCSP_answer_the_same_submission_does_not_re_verify()
    {
        // The control: the audit has no CRL of the sub-CA either, so a pass above came from the stored answer.
        var recorded = Record();
        var (type, json, blobs) = recorded.Events[0];
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var revocation = node["Evidence"]!["Revocation"]!.AsArray();
        foreach (var item in revocation.Where(r => (string?)r!["Kind"] == RevocationKinds.Ocsp).ToList())
            revocation.Remove(item);
        var stripped = recorded with { Events = [(type, node.ToJsonString(), blobs), recorded.Events[1]] };

        var report = await AuditAsync(stripped, DateTimeOffset.UtcNow.AddMinutes(1));
        var problem = Assert.Single(report.Problems);
        Assert.Equal(("evidence.cms", Stream, 1L), (problem.Code, problem.StreamId!.Value, problem.Version!.Value));
    }

    [Fact]
    public async Task A_replaced_stored_OCSP_answer_is_named_by_the_submission_that_rests_on_it()
    {
        var recorded = Record();
        // Another genuine answer of the same responder (for the officer) in the place of the doctor's.
        var other = recorded.Events[1].Blobs.Single(b => b.MediaType == EvidenceMediaTypes.OcspResponse);
        var report = await AuditAsync(recorded, DateTimeOffset.UtcNow.AddMinutes(1),
            b => b.Sha256 == recorded.OcspOfSubmission ? b with { Bytes = other.Bytes } : b);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(("evidence.hash", Stream, 1L), (problem.Code, problem.StreamId!.Value, problem.Version!.Value));
        Assert.Contains(recorded.OcspOfSubmission, problem.Message);
        Assert.Contains(EvidenceMediaTypes.OcspResponse, problem.Message);
    }

    [Fact]
    public async Task A_missing_stored_OCSP_answer_is_named_by_the_submission_that_rests_on_it()
    {
        var recorded = Record();
        var gone = recorded with
        {
            Events = [(recorded.Events[0].Type, recorded.Events[0].Json, recorded.Events[0].Blobs.Where(b => b.Sha256 != recorded.OcspOfSubmission).ToList()),
                recorded.Events[1]],
        };
        var report = await AuditAsync(gone, DateTimeOffset.UtcNow.AddMinutes(1));
        var problem = Assert.Single(report.Problems);
        Assert.Equal(("evidence.missing", Stream, 1L), (problem.Code, problem.StreamId!.Value, problem.Version!.Value));
        Assert.Contains(recorded.OcspOfSubmission, problem.Message);
    }

    [Fact]
    public async Task An_approval_re_verified_years_later_with_the_officers_certificate_expired_passes_on_the_stored_OCSP_answer()
    {
        var recorded = Record();
        var later = DateTimeOffset.UtcNow.AddYears(3).AddDays(30);
        Assert.True(Cards.Manifest.Persona("officer-mersin-1").NotAfter < later, "the officer's certificate must have expired by the audit's date");

        var report = await AuditAsync(recorded, later);
        Assert.True(report.ProblemCount == 0, Describe(report));
        Assert.Equal(1, report.DecisionsReVerified);

        // The control: judged at the later time instead of at the decision's, the same signature with the same answer fails.
        // The answer is long stale then, so revocation is best effort here: what fails is the certificate's own period.
        var world = Shared.Value;
        var ordinary = new CmsVerifier(world.Trust, new Held(world.CaCrls, ParsedOcspResponse.From(
                recorded.Events[1].Blobs.Single(b => b.MediaType == EvidenceMediaTypes.OcspResponse).Bytes)))
            .Verify(recorded.OfficerCms, recorded.Document,
                new VerificationOptions { At = later, ExpectedTckn = Cards.Tckn("officer-mersin-1"), Revocation = RevocationMode.BestEffort });
        Assert.Equal((Signing.Verification.Indication.TotalFailed, Signing.Verification.SubIndication.Expired), (ordinary.Indication, ordinary.SubIndication));
        Assert.Equal(Signing.Verification.HolderStatus.Expired, ordinary.Holder?.Status);
    }
}
