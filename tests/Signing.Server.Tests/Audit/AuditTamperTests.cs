using System.Text.Json;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Server.Tests.Audit;

/// <summary>
/// `esign audit verify` over a realistic day on real PostgreSQL: the untouched record holds (exit 0); each tampering
/// the schema owner can do in SQL, on its own copy of the day, is found (exit 1) and named by stream and version.
/// </summary>
public sealed class AuditTamperTests(RecordedDay day) : IClassFixture<RecordedDay>
{
    private static void AssertNames(AuditRun run, string code, string streamId, long version)
    {
        Assert.True(run.Exit == 1, run.ToString());
        Assert.True(run.Problems(code).Any(p => p.GetProperty("streamId").GetString() == streamId && p.GetProperty("version").GetInt64() == version),
            $"no {code} problem names stream {streamId} version {version}:\n{run}");
    }

    private static Task<long> VersionOf(DayCopy copy, string streamId, string type) =>
        copy.ScalarAsync<long>("select max(version) from signing.mt_events where stream_id = @s::uuid and type = @t", ("s", streamId), ("t", type));

    [Fact]
    public void The_untouched_day_holds_every_signature_re_verified()
    {
        var run = day.Original.Verify();
        Assert.True(run.Exit == 0, run.ToString());
        var report = run.Report;
        Assert.True(report.GetProperty("holds").GetBoolean());
        // The doctor's and the family physician's CMS and the manager's e-Onay; four approvals and one rejection.
        Assert.Equal(3, report.GetProperty("submissionsReVerified").GetInt64());
        Assert.Equal(6, report.GetProperty("decisionsReVerified").GetInt64());
        Assert.Equal(report.GetProperty("events").GetInt64(), report.GetProperty("leaves").GetInt64());
        Assert.Equal(report.GetProperty("leaves").GetInt64(), report.GetProperty("sealedSize").GetInt64());
    }

    /// <summary>A copy of the day with one byte of the doctor's returned_to_sender event changed in SQL.</summary>
    private async Task<(DayCopy Copy, long Version)> OneByteChangedAsync()
    {
        var copy = await day.CopyAsync();
        var version = await VersionOf(copy, day.Doctor.Id, "returned_to_sender");
        await copy.TamperAsync("update signing.mt_events set data = replace(data::text, 'Adreste', 'Bdreste')::jsonb " +
                               "where stream_id = @s::uuid and version = @v", ("s", day.Doctor.Id), ("v", version));
        return (copy, version);
    }

    [Fact]
    public async Task One_changed_byte_of_an_events_JSON_is_named()
    {
        var (copy, version) = await OneByteChangedAsync();
        AssertNames(copy.Verify(), "leaf.hash", day.Doctor.Id, version);
    }

    [Fact]
    public void The_tree_alone_reads_no_JSON_and_gives_the_root_the_full_audit_recomputes()
    {
        var full = day.Original.Verify();
        var tree = day.Original.Verify("--tree-only");
        Assert.True(tree.Exit == 0, tree.ToString());
        Assert.Equal(0, tree.Report.GetProperty("submissionsReVerified").GetInt64());
        Assert.Equal(full.Report.GetProperty("leaves").GetInt64(), tree.Report.GetProperty("leaves").GetInt64());
        Assert.Equal(full.Report.GetProperty("rootSha256").GetString(), tree.Report.GetProperty("rootSha256").GetString());
        Assert.Equal(full.Report.GetProperty("events").GetInt64(), full.Report.GetProperty("eventJsonChecked").GetInt64());
        Assert.Equal(0, tree.Report.GetProperty("eventJsonChecked").GetInt64());
    }

    [Fact]
    public async Task The_tree_alone_names_a_changed_digest_or_time_and_leaves_a_changed_JSON_to_the_full_audit()
    {
        var (copy, version) = await OneByteChangedAsync();
        var tree = copy.Verify("--tree-only");
        Assert.True(tree.Exit == 0 && tree.Report.GetProperty("eventJsonChecked").GetInt64() == 0, tree.ToString());

        await copy.TamperAsync("update signing.log_leaves set json_sha256 = sha256(convert_to((select data::text from signing.mt_events e where e.seq_id = log_leaves.seq_id), 'UTF8')) " +
                               "where stream_id = @s::uuid and version = @v", ("s", day.Doctor.Id), ("v", version));
        AssertNames(copy.Verify("--tree-only"), "leaf.hash", day.Doctor.Id, version);

        var confirmed = await VersionOf(copy, day.Doctor.Id, "address_confirmed");
        await copy.TamperAsync("update signing.mt_events set timestamp = timestamp + interval '1 microsecond' where stream_id = @s::uuid and version = @v",
            ("s", day.Doctor.Id), ("v", confirmed));
        AssertNames(copy.Verify("--tree-only"), "leaf.hash", day.Doctor.Id, confirmed);
    }

    [Fact]
    public async Task A_store_logged_as_v1_before_v2_holds_and_its_v1_events_are_hashed_by_the_database_in_the_tree_alone()
    {
        // The day's first leaves rewritten as a store logged before v2 has them (no digest, the JSON in the leaf input), the
        // checkpoints over the old hashes dropped: the tail then stands unsealed, as on a running store.
        var copy = await day.CopyAsync();
        await copy.TamperAsync(
            "update signing.log_leaves l set json_sha256 = null, leaf_hash = " + Signing.Record.LeafInput.HashSqlV1("e") +
            " from signing.mt_events e where e.seq_id = l.seq_id and l.leaf_index < 10; delete from signing.log_checkpoints");
        var full = copy.Verify("--allow-unsealed-tail");
        var tree = copy.Verify("--allow-unsealed-tail", "--tree-only");
        Assert.True(full.Exit == 0, full.ToString());
        Assert.True(tree.Exit == 0, tree.ToString());
        Assert.Equal(full.Report.GetProperty("rootSha256").GetString(), tree.Report.GetProperty("rootSha256").GetString());
        Assert.Equal(10, tree.Report.GetProperty("eventJsonChecked").GetInt64());

        var (stream, version) = await copy.RowAsync("select e.stream_id::text, e.version from signing.mt_events e join signing.log_leaves l on l.seq_id = e.seq_id where l.leaf_index = 4");
        await copy.TamperAsync("update signing.mt_events set data = jsonb_set(data, '{Tampered}', 'true') where stream_id = @s::uuid and version = @v", ("s", stream), ("v", version));
        AssertNames(copy.Verify("--allow-unsealed-tail", "--tree-only"), "leaf.hash", stream, version);
        AssertNames(copy.Verify("--allow-unsealed-tail"), "leaf.hash", stream, version);
    }

    [Fact]
    public async Task A_deleted_event_is_named()
    {
        var copy = await day.CopyAsync();
        var version = await VersionOf(copy, day.Wet.Id, "paper_registered");
        await copy.TamperAsync("delete from signing.mt_events where stream_id = @s::uuid and version = @v", ("s", day.Wet.Id), ("v", version));
        AssertNames(copy.Verify(), "leaf.event-missing", day.Wet.Id, version);
    }

    private const string Forge =
        "insert into signing.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived) " +
        "select nextval('signing.mt_events_sequence'), gen_random_uuid(), @s::uuid, max(version) + 1, " +
        "jsonb_build_object('Officers', jsonb_build_array('16384729550'), 'At', now()), 'application_approved', now(), '33', " +
        "'Signing.Domain.ApplicationApproved, Signing.Domain', false from signing.mt_events where stream_id = @s::uuid";

    [Fact]
    public async Task A_forged_event_that_the_log_took_in_is_named_as_under_no_signed_checkpoint()
    {
        var copy = await day.CopyAsync();
        var before = await VersionOf(copy, day.Manager.Id, "application_rejected");
        await copy.TamperAsync(Forge, ("s", day.Manager.Id));
        AssertNames(copy.Verify(), "log.unsealed", day.Manager.Id, before + 1);
    }

    [Fact]
    public async Task A_forged_event_slipped_past_the_log_is_named_as_not_in_the_log()
    {
        var copy = await day.CopyAsync();
        var before = await VersionOf(copy, day.Manager.Id, "application_rejected");
        await copy.TamperAsync("alter table signing.mt_events disable trigger user; " + Forge + "; alter table signing.mt_events enable trigger user",
            ("s", day.Manager.Id));
        AssertNames(copy.Verify(), "event.not-in-log", day.Manager.Id, before + 1);
    }

    [Fact]
    public async Task Two_events_swapped_in_their_stream_are_named_both()
    {
        var copy = await day.CopyAsync();
        var returned = await VersionOf(copy, day.Doctor.Id, "returned_to_sender");
        var confirmed = await VersionOf(copy, day.Doctor.Id, "address_confirmed");
        await copy.TamperAsync(
            "update signing.mt_events set version = -1 where stream_id = @s::uuid and version = @a; " +
            "update signing.mt_events set version = @a where stream_id = @s::uuid and version = @b; " +
            "update signing.mt_events set version = @b where stream_id = @s::uuid and version = -1",
            ("s", day.Doctor.Id), ("a", returned), ("b", confirmed));
        var run = copy.Verify();
        AssertNames(run, "leaf.event", day.Doctor.Id, returned);
        AssertNames(run, "leaf.event", day.Doctor.Id, confirmed);
    }

    [Fact]
    public async Task A_replaced_stored_CMS_is_named_by_the_submission_that_rests_on_it()
    {
        var copy = await day.CopyAsync();
        const string cmsOf = "select data->'Evidence'->>'CmsSha256' from signing.mt_events where stream_id = @s::uuid and type = 'renewal_submitted'";
        var doctorCms = await copy.ScalarAsync<string>(cmsOf, ("s", day.Doctor.Id));
        var otherCms = await copy.ScalarAsync<string>(cmsOf, ("s", day.FamilyPhysician.Id));
        await copy.TamperAsync("update signing.evidence set bytes = (select bytes from signing.evidence where sha256 = @other) where sha256 = @mine",
            ("mine", doctorCms), ("other", otherCms));
        AssertNames(copy.Verify(), "evidence.hash", day.Doctor.Id, 1);
    }

    [Fact]
    public async Task A_log_whose_tail_was_cut_below_its_checkpoint_is_truncated_and_names_the_events_it_lost()
    {
        var copy = await day.CopyAsync();
        var size = await copy.ScalarAsync<long>("select count(*) from signing.log_leaves");
        await copy.TamperAsync("delete from signing.log_leaves where leaf_index >= @from", ("from", size - 3));
        var run = copy.Verify();
        Assert.NotEmpty(run.Problems("log.truncated"));
        var lost = run.Problems("event.not-in-log");
        Assert.Equal(3, lost.Count);
        Assert.All(lost, p => Assert.Equal(day.Wet.Id, p.GetProperty("streamId").GetString()));
    }

    [Fact]
    public void An_approval_made_today_re_verifies_three_years_later_though_the_officers_certificate_has_expired()
    {
        var later = DateTimeOffset.UtcNow.AddYears(3).AddDays(30);
        var officer = Cards.Manifest.Persona("officer-mersin-1");
        Assert.True(officer.NotAfter < later, "the officer's certificate must have expired by the simulated date");

        var run = day.Original.Verify("--now", later.ToString("O"));
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Equal(6, run.Report.GetProperty("decisionsReVerified").GetInt64());

        // The control: judged at the later time instead of at the decision's, the same signature fails as expired. No CRL
        // speaks for a day three years on, so revocation is best effort here: what fails is the certificate's own period.
        var (document, cms, tckn) = day.FirstApproval;
        var ordinary = new CmsVerifier(TrustConfiguration.Load(LocalWorld.TrustConfigurationPath))
            .Verify(cms, document, new VerificationOptions { At = later, ExpectedTckn = tckn, Revocation = RevocationMode.BestEffort });
        Assert.Equal((Indication.TotalFailed, SubIndication.Expired), (ordinary.Indication, ordinary.SubIndication));
        Assert.Equal(HolderStatus.Expired, ordinary.Holder?.Status);
    }

    [Fact]
    public async Task Verifying_an_export_file_gives_what_verifying_the_database_gives()
    {
        var copy = await day.CopyAsync();
        var version = await VersionOf(copy, day.Doctor.Id, "token_delivered");
        await copy.TamperAsync("delete from signing.mt_events where stream_id = @s::uuid and version = @v", ("s", day.Doctor.Id), ("v", version));
        foreach (var database in new[] { day.Original, copy })
        {
            var file = Path.Combine(Path.GetTempPath(), $"audit-{database.Database}.jsonl.gz");
            try
            {
                var export = database.Export(file);
                Assert.True(export.Exit == 0, export.ToString());
                var fromDatabase = database.Verify();
                var fromFile = AuditRun.Of(["audit", "verify", "--file", file]);
                Assert.Equal(fromDatabase.Exit, fromFile.Exit);
                Assert.Equal(Comparable(fromDatabase.Report), Comparable(fromFile.Report));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>The report without what names the source or measures the run.</summary>
    private static string Comparable(JsonElement report) =>
        string.Join('\n', report.EnumerateObject().Where(p => p.Name is not ("source" or "seconds" or "auditedAt")).Select(p => p.Name + "=" + p.Value.GetRawText()));
}
