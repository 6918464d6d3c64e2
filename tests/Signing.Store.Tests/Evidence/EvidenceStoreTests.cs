using System.Text;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests.Evidence;

/// <summary>
/// signing.evidence on the real PostgreSQL: blobs commit with the events that name them (single, group commit,
/// decisions), byte for byte; a replay, a refusal or a lost write keeps nothing new.
/// </summary>
[Collection(StoreCollection.Name)]
public class EvidenceStoreTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;
    private readonly EvidenceReader _reader = new(fx.Store);

    private static readonly byte[] Crl = Encoding.ASCII.GetBytes("a CRL shared by every submission " + Guid.NewGuid());

    /// <summary>A submission carrying its own form, CMS and report, and the shared CRL.</summary>
    private static (SubmitRenewal Command, EvidenceBlob[] Blobs) WithEvidence(SubmitRenewal command, string? reportSalt = null)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, Encoding.UTF8.GetBytes("{\"form\":\"" + command.ClientRequestId + "\"}"));
        var cms = EvidenceBlob.Of(EvidenceMediaTypes.Cms, Encoding.UTF8.GetBytes("cms of " + command.ClientRequestId));
        var report = EvidenceBlob.Of(EvidenceMediaTypes.Json, Encoding.UTF8.GetBytes("{\"report\":\"" + command.ClientRequestId + reportSalt + "\"}"));
        var crl = EvidenceBlob.Of(EvidenceMediaTypes.Crl, Crl);
        var evidence = new SubmissionEvidence(form.Sha256, cms.Sha256, null, report.Sha256,
            [new RevocationEvidence("crl", crl.Sha256, "CN=Test CA", "7", Now.AddDays(-1))]);
        EvidenceBlob[] blobs = [form, cms, report, crl];
        return (command with { Evidence = evidence, EvidenceBlobs = blobs }, blobs);
    }

    private async Task AssertStored(params EvidenceBlob[] blobs)
    {
        var stored = await _reader.FindManyAsync(blobs.Select(b => b.Sha256).ToList());
        foreach (var blob in blobs)
        {
            Assert.True(stored.TryGetValue(blob.Sha256, out var row), "not stored: " + blob.MediaType);
            Assert.Equal(blob.Bytes, row!.Bytes);
            Assert.Equal(blob.MediaType, row.MediaType);
        }
    }

    private async Task AssertNotStored(params EvidenceBlob[] blobs) =>
        Assert.Empty(await _reader.FindManyAsync(blobs.Select(b => b.Sha256).ToList()));

    [Fact]
    public async Task A_submission_stores_its_blobs_and_its_event_names_them()
    {
        var code = NewTenant();
        var (command, blobs) = WithEvidence(Submit(Tenant(code), Doctor, RequestId()));
        var written = Ok(await _app.SubmitAsync(code, command));

        await AssertStored(blobs);
        var submitted = await _app.GetSubmissionAsync(code, written.ApplicationId);
        Assert.Equal(command.Evidence!.FormSha256, submitted!.Evidence!.FormSha256);
        Assert.Equal(command.Evidence.CmsSha256, submitted.Evidence.CmsSha256);
        Assert.Equal(command.Evidence.ReportSha256, submitted.Evidence.ReportSha256);
        var crl = Assert.Single(submitted.Evidence.Revocation);
        Assert.Equal(blobs[3].Sha256, crl.Sha256);
        Assert.Equal("7", crl.Number);
        Assert.Equal(Now.AddDays(-1), crl.ThisUpdate);
    }

    [Fact]
    public async Task A_replay_stores_nothing_new_and_a_refused_submission_stores_nothing()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var request = RequestId();
        Ok(await _app.SubmitAsync(code, WithEvidence(Submit(t, Doctor2, request)).Command));

        // The retry's report differs (another validation time): it is not kept, the first submission's record stands.
        var (retry, retryBlobs) = WithEvidence(Submit(t, Doctor2, request), reportSalt: "/retry");
        Assert.True(Ok(await _app.SubmitAsync(code, retry)).WasRetry);
        await AssertNotStored(retryBlobs[2]);

        var (refused, refusedBlobs) = WithEvidence(Submit(t, Manager, RequestId()) with { DeliveryAddress = " " });
        Assert.False((await _app.SubmitAsync(code, refused)).Ok);
        await AssertNotStored(refusedBlobs[0], refusedBlobs[1], refusedBlobs[2]);

        // Another open renewal of the same applicant: refused by the store, keeps nothing.
        var (conflict, conflictBlobs) = WithEvidence(Submit(t, Doctor2, RequestId()));
        Assert.Equal(FailureKind.Conflict, (await _app.SubmitAsync(code, conflict)).Failure!.Kind);
        await AssertNotStored(conflictBlobs[0], conflictBlobs[1], conflictBlobs[2]);
    }

    [Fact]
    public async Task In_one_commit_only_the_written_submissions_keep_their_blobs()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var request = RequestId();
        Ok(await _app.SubmitAsync(code, WithEvidence(Submit(t, Doctors[4], request)).Command));

        // One transaction: a new submission, a replay of the stored one (its report differs), a refused one.
        var (fresh, freshBlobs) = WithEvidence(Submit(t, Doctors[5], RequestId()));
        var (replay, replayBlobs) = WithEvidence(Submit(t, Doctors[4], request), reportSalt: "/retry");
        var (refused, refusedBlobs) = WithEvidence(Submit(t, Individual, RequestId()) with { DeliveryAddress = "" });
        var batch = new[] { fresh, replay, refused }.Select(c => SubmissionPlanner.Admit(code, c).Admitted!).ToList();
        var answers = await _app.Submissions.TryCommitAsync(batch, CancellationToken.None);

        Assert.NotNull(answers);
        Assert.True(answers[0].Ok);
        Assert.True(answers[1].Value!.WasRetry);
        Assert.False(answers[2].Ok);
        await AssertStored(freshBlobs);
        await AssertNotStored(replayBlobs[2], refusedBlobs[0], refusedBlobs[1], refusedBlobs[2]);
    }

    [Fact]
    public async Task Group_commit_stores_every_written_submissions_blobs_in_one_statement()
    {
        var code = NewTenant();
        var t = Tenant(code);
        await using var gc = new GroupCommitSubmitter(_app, new GroupCommitOptions { MaxInFlight = 1 });
        var submissions = Doctors.Select(a => WithEvidence(Submit(t, a, RequestId()))).ToList();
        var results = await Task.WhenAll(submissions.Select(s => gc.SubmitAsync(code, s.Command)));
        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString()));
        foreach (var (_, blobs) in submissions)
            await AssertStored(blobs);
    }

    [Fact]
    public async Task A_decision_stores_its_blobs_and_a_refused_one_stores_nothing()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var written = Ok(await _app.SubmitAsync(code, Submit(t, Doctors[3], RequestId())));

        EvidenceBlob[] Decision(string salt, out DecisionEvidence evidence)
        {
            var document = EvidenceBlob.Of(EvidenceMediaTypes.Json, Encoding.UTF8.GetBytes("{\"decision\":\"" + salt + "\"}"));
            var cms = EvidenceBlob.Of(EvidenceMediaTypes.Cms, Encoding.UTF8.GetBytes("officer cms " + salt));
            var report = EvidenceBlob.Of(EvidenceMediaTypes.Json, Encoding.UTF8.GetBytes("{\"report\":\"" + salt + "\"}"));
            evidence = new DecisionEvidence(document.Sha256, cms.Sha256, report.Sha256, []);
            return [document, cms, report];
        }

        // Refused by the rules (an officer on their own application is not the case here: a stale version is).
        var staleBlobs = Decision(Guid.NewGuid().ToString(), out var stale);
        Assert.False((await _app.HandleAsync(code, written.ApplicationId, written.Version + 5, Approve(t, Officer1) with { Evidence = stale, EvidenceBlobs = staleBlobs })).Ok);
        var refusedBlobs = Decision(Guid.NewGuid().ToString(), out var refusedEvidence);
        Assert.False((await _app.HandleAsync(code, written.ApplicationId, written.Version,
            Reject(t, Officer1, " ") with { Evidence = refusedEvidence, EvidenceBlobs = refusedBlobs })).Ok);
        await AssertNotStored([.. staleBlobs, .. refusedBlobs]);

        var blobs = Decision(Guid.NewGuid().ToString(), out var evidence);
        var approved = Ok(await _app.HandleAsync(code, written.ApplicationId, written.Version, Approve(t, Officer1) with { Evidence = evidence, EvidenceBlobs = blobs }));
        await AssertStored(blobs);
        var given = Assert.IsType<ApprovalGiven>(approved.Events[0]);
        Assert.Equal(evidence, given.Evidence);
    }
}
