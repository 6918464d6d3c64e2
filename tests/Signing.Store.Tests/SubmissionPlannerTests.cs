using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// The submission rules without a database: given what the store held, when a batch of commands is planned, then each
/// command gets the answer it would get alone in arrival order, and only accepted new applications are written.
/// </summary>
public class SubmissionPlannerTests
{
    private const string Code = "33";
    private static readonly TenantSettings T = Tenant(Code);

    [Fact]
    public void Given_an_empty_store_when_distinct_applicants_submit_then_each_is_written_once_with_its_guard()
    {
        var commands = new[] { Admitted(Doctor), Admitted(Manager) };

        var plan = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, commands);

        Assert.Equal(commands.Select(c => c.ApplicationId), plan.Writes.Select(w => w.ApplicationId));
        Assert.Equal([Doctor.Tckn.Value, Manager.Tckn.Value], plan.Writes.Select(w => w.ApplicantTckn));
        Assert.All(plan.Writes, w => Assert.IsType<RenewalSubmitted>(w.Events[0]));
        Assert.All(plan.Answers, a => Assert.False(Ok(a).WasRetry));
        Assert.Equal(plan.Writes.Select(w => (long)w.Events.Count), plan.Answers.Select(a => a.Value!.Version));
        Assert.Empty(plan.Unread);
    }

    [Fact]
    public void Given_a_stored_submission_when_its_request_comes_again_then_it_is_a_replay_and_nothing_is_written()
    {
        var command = Admitted(FpExpiring);
        var stored = Stored(command, version: 4);

        var plan = SubmissionPlanner.Plan(Snapshot([stored], [(FpExpiring, command.ApplicationId)]), [command]);

        Assert.Empty(plan.Writes);
        var replay = Ok(Assert.Single(plan.Answers));
        Assert.True(replay.WasRetry);
        Assert.Equal(4, replay.Version);
        Assert.Same(stored.Submitted, Assert.Single(replay.Events));
    }

    [Fact]
    public void Given_one_request_twice_in_a_batch_when_planned_then_the_second_replays_the_first()
    {
        var request = RequestId();
        var commands = new[] { Admitted(Manager, request), Admitted(Manager, request) };

        var plan = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, commands);

        var write = Assert.Single(plan.Writes);
        var first = Ok(plan.Answers[0]);
        var second = Ok(plan.Answers[1]);
        Assert.False(first.WasRetry);
        Assert.True(second.WasRetry);
        Assert.Equal(first.ApplicationId, second.ApplicationId);
        Assert.Equal(first.Version, second.Version);
        Assert.Equal(write.Events[0], Assert.Single(second.Events));
    }

    [Fact]
    public void Given_an_open_renewal_of_another_request_when_the_applicant_submits_again_then_it_conflicts_naming_the_holder()
    {
        var holder = Guid.NewGuid();

        var plan = SubmissionPlanner.Plan(Snapshot([], [(Doctor, holder)]), [Admitted(Doctor)]);

        Assert.Empty(plan.Writes);
        AssertConflict(Assert.Single(plan.Answers), holder);
        Assert.Empty(plan.Unread);
    }

    [Fact]
    public void Given_two_requests_for_one_applicant_in_a_batch_when_planned_then_the_first_wins_and_the_second_is_told_which()
    {
        var commands = new[] { Admitted(Doctor2), Admitted(Doctor2) };

        var plan = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, commands);

        Assert.Equal(commands[0].ApplicationId, Assert.Single(plan.Writes).ApplicationId);
        Ok(plan.Answers[0]);
        AssertConflict(plan.Answers[1], commands[0].ApplicationId);
    }

    [Fact]
    public void Given_a_refused_command_between_two_good_ones_when_planned_then_only_it_is_refused_and_not_written()
    {
        var bad = Admitted(Doctor2) with { Confirmation = new Confirmation.ESigned(Signed(Doctor.Tckn, Now.AddDays(45))) };
        var commands = new[] { Admitted(Manager), bad, Admitted(Individual) };

        var plan = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, commands);

        Assert.Equal([commands[0].ApplicationId, commands[2].ApplicationId], plan.Writes.Select(w => w.ApplicationId));
        Assert.Equal(FailureKind.Domain, plan.Answers[1].Failure!.Kind);
        Assert.Equal(ErrorCodes.SignerNotApplicant, plan.Answers[1].Failure!.Error.Code);
        Assert.True(plan.Answers[0].Ok && plan.Answers[2].Ok);
    }

    [Fact]
    public void Given_its_own_open_renewal_without_its_stream_when_planned_then_it_asks_for_the_stream_and_replays_once_given()
    {
        // The submission committed between the read of the views and the read of the open renewals.
        var command = Admitted(Doctor);
        var torn = Snapshot([], [(Doctor, command.ApplicationId)]);

        var plan = SubmissionPlanner.Plan(torn, [command]);

        Assert.Equal([command.ApplicationId], plan.Unread);
        Assert.Empty(plan.Writes);
        AssertConflict(Assert.Single(plan.Answers), command.ApplicationId);

        var replanned = SubmissionPlanner.Plan(torn.With([Stored(command, version: 1)]), [command]);

        Assert.True(Ok(Assert.Single(replanned.Answers)).WasRetry);
        Assert.Empty(replanned.Unread);
    }

    [Fact]
    public void Given_a_lost_race_when_answered_from_a_fresh_read_then_it_is_a_replay_or_a_conflict_never_a_write()
    {
        var command = Admitted(Manager);
        var winner = Guid.NewGuid();

        Assert.True(Ok(SubmissionPlanner.AfterLostRace(Snapshot([Stored(command, version: 1)], []), command)).WasRetry);
        AssertConflict(SubmissionPlanner.AfterLostRace(Snapshot([], [(Manager, winner)]), command), winner);
        AssertConflict(SubmissionPlanner.AfterLostRace(SubmissionSnapshot.Empty, command), null);
    }

    [Fact]
    public void Given_a_request_for_another_tenant_or_without_an_id_when_admitted_then_it_is_refused_before_any_read()
    {
        var (_, wrongTenant) = SubmissionPlanner.Admit("01", Submit(T, Doctor, RequestId()));
        var (_, noId) = SubmissionPlanner.Admit(Code, Submit(T, Doctor, "  "));
        var (admitted, refused) = SubmissionPlanner.Admit(Code, Submit(T, Doctor, "req-1"));

        Assert.Equal(ErrorCodes.WrongTenant, wrongTenant!.Failure!.Error.Code);
        Assert.Equal(ErrorCodes.MissingRequestId, noId!.Failure!.Error.Code);
        Assert.Null(refused);
        Assert.Equal(ApplicationStore.ApplicationIdFor(Code, SubmitRenewal.ApplicantSubmitter(Doctor.Tckn.Value), "req-1"), admitted!.ApplicationId);
    }

    [Fact]
    public void Given_two_submitters_with_one_request_id_when_admitted_then_their_ids_differ_and_neither_replays_the_other()
    {
        var first = Admitted(Doctor, "shared-1");
        var second = Admitted(Manager, "shared-1");
        var system = SubmissionPlanner.Admit(Code, Submit(T, Manager, "shared-1") with { Submitter = SubmitRenewal.SystemSubmitter("portal") }).Admitted!;

        Assert.Equal(3, new[] { first.ApplicationId, second.ApplicationId, system.ApplicationId }.Distinct().Count());
        var plan = SubmissionPlanner.Plan(Snapshot([Stored(first, version: 1)], [(Doctor, first.ApplicationId)]), [second]);
        var written = Ok(Assert.Single(plan.Answers));
        Assert.False(written.WasRetry);
        Assert.Equal(second.ApplicationId, Assert.Single(plan.Writes).ApplicationId);
    }

    [Fact]
    public void Given_a_stored_request_when_the_same_submitter_sends_its_id_with_other_content_then_it_conflicts_revealing_nothing()
    {
        var command = Admitted(Doctor, "req-content");
        var other = command with { ContentSha256 = new string('f', 64) };

        var plan = SubmissionPlanner.Plan(Snapshot([Stored(command, version: 3)], [(Doctor, command.ApplicationId)]), [other]);

        Assert.Empty(plan.Writes);
        var failure = Assert.Single(plan.Answers).Failure!;
        Assert.Equal(FailureKind.Conflict, failure.Kind);
        Assert.Equal(ErrorCodes.RequestIdReused, failure.Error.Code);
        Assert.Null(failure.ExistingApplicationId);
        Assert.DoesNotContain(command.ApplicationId.ToString(), failure.Error.Message);
        Assert.DoesNotContain(ApplicationCode.From(command.ApplicationId), failure.Error.Message);
        // Within one batch too: the second command meets the first's write.
        var batch = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, [command, other]);
        Assert.Equal(ErrorCodes.RequestIdReused, batch.Answers[1].Failure!.Error.Code);
        // A retry with the same content is still a replay.
        Assert.True(Ok(SubmissionPlanner.Replay(command, Stored(command, version: 3))).WasRetry);
    }

    [Fact]
    public void Given_signed_material_held_by_another_application_when_submitted_then_it_is_refused_and_not_written()
    {
        var eonay = Admitted(Doctor) with { Confirmation = EOnay(Doctor, "nonce-held") };
        var signed = Admitted(Manager) with { Confirmation = ESignedOnce(Manager, new string('b', 64)) };
        var known = SubmissionSnapshot.Empty with
        {
            Claims = new Dictionary<SingleUseKey, Guid>
            {
                [SingleUse.Of(eonay.Confirmation)!] = Guid.NewGuid(),
                [SingleUse.Of(signed.Confirmation)!] = Guid.NewGuid(),
            },
        };

        var plan = SubmissionPlanner.Plan(known, [eonay, signed]);

        Assert.Empty(plan.Writes);
        Assert.All(plan.Answers, a => Assert.Equal(ErrorCodes.SignedMaterialReused, a.Failure!.Error.Code));
        Assert.Contains("e-Onay", plan.Answers[0].Failure!.Error.Message);
        Assert.Contains("sign the form again", plan.Answers[1].Failure!.Error.Message);
        Assert.All(plan.Answers, a => Assert.Null(a.Failure!.ExistingApplicationId));
    }

    [Fact]
    public void Given_one_e_Onay_twice_in_a_batch_under_two_requests_when_planned_then_the_first_claims_it_and_the_second_is_refused()
    {
        var first = Admitted(Doctor) with { Confirmation = EOnay(Doctor, "nonce-batch") };
        var second = Admitted(Doctor, "other-tenant-request") with { Confirmation = EOnay(Doctor, "nonce-batch"), Applicant = Doctor };
        var distinctApplicant = Admitted(Doctor2) with { Confirmation = ESignedOnce(Doctor2, new string('c', 64)) };

        var plan = SubmissionPlanner.Plan(SubmissionSnapshot.Empty, [first, distinctApplicant, second]);

        Assert.Equal([first.ApplicationId, distinctApplicant.ApplicationId], plan.Writes.Select(w => w.ApplicationId));
        Assert.Equal(SingleUse.Of(first.Confirmation), plan.Writes[0].Claim);
        Assert.Equal(SingleUse.Of(distinctApplicant.Confirmation), plan.Writes[1].Claim);
        // The same applicant: the open renewal of the first answers before the material does.
        Assert.Equal(ErrorCodes.OpenRenewalExists, plan.Answers[2].Failure!.Error.Code);
    }

    [Fact]
    public void Given_held_material_in_a_confirmation_the_decider_refuses_when_planned_then_the_decider_s_reason_is_given()
    {
        var broken = Admitted(Doctor) with
        {
            Confirmation = new Confirmation.EOnay(new EOnayFacts(Indication.Failed, Doctor.Tckn.Value, "nonce-broken", Now)),
        };
        var known = SubmissionSnapshot.Empty with { Claims = new Dictionary<SingleUseKey, Guid> { [SingleUse.Of(broken.Confirmation)!] = Guid.NewGuid() } };

        Assert.Equal(ErrorCodes.EOnayNotConfirmed, Assert.Single(SubmissionPlanner.Plan(known, [broken]).Answers).Failure!.Error.Code);
    }

    [Fact]
    public void Given_a_retry_whose_material_it_holds_itself_when_planned_then_it_is_a_replay_not_a_reuse()
    {
        var command = Admitted(Doctor) with { Confirmation = EOnay(Doctor, "nonce-retry") };
        var known = Snapshot([Stored(command, version: 1)], [(Doctor, command.ApplicationId)]) with
        {
            Claims = new Dictionary<SingleUseKey, Guid> { [SingleUse.Of(command.Confirmation)!] = command.ApplicationId },
        };

        Assert.True(Ok(Assert.Single(SubmissionPlanner.Plan(known, [command]).Answers)).WasRetry);
        // After a withdrawal the open renewal is gone, the claim is not: a new request with the same confirmation is refused.
        var again = Admitted(Doctor) with { Confirmation = EOnay(Doctor, "nonce-retry") };
        var afterWithdrawal = known with { OpenRenewals = new Dictionary<OpenKey, Guid>() };
        Assert.Equal(ErrorCodes.SignedMaterialReused, SubmissionPlanner.AfterLostRace(afterWithdrawal, again).Failure!.Error.Code);
    }

    [Fact]
    public void Given_one_applicant_in_two_tenants_in_a_batch_when_planned_then_both_are_written_each_with_its_own_guard()
    {
        var mersin = Admitted(Doctor);
        var adana = SubmissionPlanner.Admit("01", Submit(T with { ProvinceCode = "01" }, Doctor, RequestId())).Admitted!;
        // Mersin's open renewal of the doctor does not stop Adana's (one open renewal per TCKN per directorate).
        var known = Snapshot([], [(Doctor, Guid.NewGuid())]);
        var plan = SubmissionPlanner.Plan(known with { OpenRenewals = new Dictionary<OpenKey, Guid>() }, [mersin, adana]);

        Assert.Equal([("33", mersin.ApplicationId), ("01", adana.ApplicationId)], plan.Writes.Select(w => (w.Tenant, w.ApplicationId)));
        var blocked = SubmissionPlanner.Plan(known, [mersin, adana]);
        Assert.Equal(ErrorCodes.OpenRenewalExists, blocked.Answers[0].Failure!.Error.Code);
        Assert.Equal(adana.ApplicationId, Assert.Single(blocked.Writes).ApplicationId);
    }

    [Fact]
    public void Given_staff_lists_when_planned_then_each_applicant_is_judged_by_their_own_directorates_list_only()
    {
        var mersin = Admitted(Doctor);
        var adana = SubmissionPlanner.Admit("01", Submit(Tenant("01"), Doctor, RequestId())).Admitted!;
        var known = SubmissionSnapshot.Empty with
        {
            // Mersin lists the doctor as a family physician; Adana keeps no roster at all.
            Listed = new Dictionary<OpenKey, StaffCategory> { [new OpenKey(Code, Doctor.Tckn.Value)] = StaffCategory.FamilyPhysician },
            RosterTenants = new HashSet<string> { Code },
        };

        var plan = SubmissionPlanner.Plan(known, [mersin, adana]);

        Assert.Equal(ErrorCodes.CategoryNotRoster, plan.Answers[0].Failure!.Error.Code);
        var written = Assert.Single(plan.Writes);
        Assert.Equal("01", written.Tenant);
        Assert.False(((RenewalSubmitted)written.Events[0]).CategoryUnconfirmed);
        Assert.Equal(new RosterFact(null), known.RosterOf(Admitted(Manager)));
        Assert.Null(known.RosterOf(adana));
    }

    private static SubmitRenewal Admitted(Applicant a, string? requestId = null) =>
        SubmissionPlanner.Admit(Code, Submit(T, a, requestId ?? RequestId())).Admitted!;

    private static StoredSubmission Stored(SubmitRenewal command, long version) =>
        new(command.ApplicationId, version, (RenewalSubmitted)ApplicationDecider.Decide(command, ApplicationState.Initial).Events[0]);

    private static SubmissionSnapshot Snapshot(StoredSubmission[] stored, (Applicant Who, Guid Holder)[] open) =>
        new(stored.ToDictionary(s => s.ApplicationId), open.ToDictionary(o => new OpenKey(Code, o.Who.Tckn.Value), o => o.Holder));

    private static void AssertConflict(StoreResult<WriteResult> answer, Guid? holder)
    {
        Assert.False(answer.Ok);
        Assert.Equal(FailureKind.Conflict, answer.Failure!.Kind);
        Assert.Equal(ErrorCodes.OpenRenewalExists, answer.Failure.Error.Code);
        Assert.Equal(holder, answer.Failure.ExistingApplicationId);
    }
}
