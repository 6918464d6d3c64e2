using Signing.Domain;

namespace Signing.Store;

/// <summary>A submission already in the store, as a replay of its request sees it: the stream's version and its first event.</summary>
internal sealed record StoredSubmission(Guid ApplicationId, long Version, RenewalSubmitted Submitted);

/// <summary>An applicant's open renewal is per directorate: (tenant, TCKN).</summary>
internal readonly record struct OpenKey(string Tenant, string Tckn)
{
    public static OpenKey Of(SubmitRenewal command) => new(command.Tenant.ProvinceCode, command.Applicant.Tckn.Value);
}

/// <summary>
/// What the store held for a batch's commands when it was read: the submissions stored under their ids, the open
/// renewals ((tenant, TCKN) → application id) of their applicants, and the single-use keys (signed material) their
/// confirmations claim, with the application holding each (any tenant); and what the directorates' staff lists say of the
/// applicants: <paramref name="Listed"/> their active roster rows' categories, <paramref name="RosterTenants"/> the
/// directorates that keep a roster at all.
/// </summary>
internal sealed record SubmissionSnapshot(IReadOnlyDictionary<Guid, StoredSubmission> Stored, IReadOnlyDictionary<OpenKey, Guid> OpenRenewals,
    IReadOnlyDictionary<SingleUseKey, Guid>? Claims = null, IReadOnlyDictionary<OpenKey, StaffCategory>? Listed = null,
    IReadOnlySet<string>? RosterTenants = null)
{
    /// <summary>The roster's word on the command's applicant; null when the directorate keeps no roster.</summary>
    public RosterFact? RosterOf(SubmitRenewal command) =>
        RosterTenants?.Contains(command.Tenant.ProvinceCode) == true
            ? new RosterFact(Listed?.TryGetValue(OpenKey.Of(command), out var category) == true ? category : null)
            : null;

    public static readonly SubmissionSnapshot Empty = new(new Dictionary<Guid, StoredSubmission>(), new Dictionary<OpenKey, Guid>());

    public IReadOnlyDictionary<SingleUseKey, Guid> Claimed => Claims ?? new Dictionary<SingleUseKey, Guid>();

    public SubmissionSnapshot With(IEnumerable<StoredSubmission> more) =>
        this with { Stored = Stored.Values.Concat(more).ToDictionary(s => s.ApplicationId) };
}

/// <summary>
/// A new application to write: its tenant, its stream's first events, the open-renewal guard of its applicant, the
/// single-use key it claims and the evidence blobs its first event names.
/// </summary>
internal sealed record NewApplication(string Tenant, Guid ApplicationId, string ApplicantTckn, IReadOnlyList<IApplicationEvent> Events, SingleUseKey? Claim = null,
    IReadOnlyList<EvidenceBlob>? EvidenceBlobs = null)
{
    public IReadOnlyList<EvidenceBlob> Blobs => EvidenceBlobs ?? [];
}

/// <summary>
/// The outcome of planning a batch: one answer per command (in the commands' order) and the applications to write.
/// <see cref="Unread"/> names commands whose own open renewal was seen without their stream: it committed between the
/// two reads, so reading those streams and planning again turns them into replays.
/// </summary>
internal sealed record SubmissionPlan(IReadOnlyList<StoreResult<WriteResult>> Answers, IReadOnlyList<NewApplication> Writes, IReadOnlyList<Guid> Unread);

/// <summary>
/// Every rule about submitting, without I/O: which requests are admitted, which are replays of a stored or an earlier
/// submission, which collide with an open renewal, which the decider refuses, and what is written. A batch is answered
/// exactly as its commands would be one after another in arrival order; a single submission is a batch of one. A batch
/// may mix tenants: they meet only in the single-use material, which is claimed across every tenant.
/// </summary>
internal static class SubmissionPlanner
{
    /// <summary>
    /// The checks that need no database. Returns the command stamped with its application id (derived from the tenant,
    /// the submitter and the client request id, so a retry lands on the same stream and two submitters never meet), or
    /// the refusal.
    /// </summary>
    public static (SubmitRenewal? Admitted, StoreResult<WriteResult>? Refused) Admit(string tenant, SubmitRenewal command)
    {
        if (command.Tenant.ProvinceCode != tenant)
            return (null, StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.WrongTenant,
                $"The tenant settings are for {command.Tenant.ProvinceCode}, the request for {tenant}."));
        if (string.IsNullOrWhiteSpace(command.ClientRequestId))
            return (null, StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.MissingRequestId,
                "A client request id is required (it makes retries safe)."));
        return (command with { ApplicationId = ApplicationStore.ApplicationIdFor(tenant, command.Submitter, command.ClientRequestId) }, null);
    }

    /// <summary>Plans admitted commands (see <see cref="Admit"/>), of one tenant or several, against what the store held.</summary>
    public static SubmissionPlan Plan(SubmissionSnapshot known, IReadOnlyList<SubmitRenewal> commands)
    {
        // Earlier commands of the batch count as committed for the later ones.
        var stored = new Dictionary<Guid, StoredSubmission>(known.Stored);
        var open = new Dictionary<OpenKey, Guid>(known.OpenRenewals);
        var claims = new Dictionary<SingleUseKey, Guid>(known.Claimed);
        var answers = new StoreResult<WriteResult>[commands.Count];
        var writes = new List<NewApplication>();
        var unread = new List<Guid>();
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            var id = command.ApplicationId;
            if (Blocker(command, stored, open, out var ownCommitUnseen) is { } blocked)
            {
                if (ownCommitUnseen)
                    unread.Add(id);
                answers[i] = blocked;
                continue;
            }
            var decision = ApplicationDecider.Decide(command with { Roster = known.RosterOf(command) }, ApplicationState.Initial);
            if (!decision.IsAccepted)
            {
                answers[i] = StoreResult<WriteResult>.Fail(FailureKind.Domain, decision.Error!.Code, decision.Error.Message);
                continue;
            }
            // Only a confirmation the decider accepts is judged spent or not: a broken one keeps its own reason.
            if (Spent(command, claims, out ownCommitUnseen) is { } spent)
            {
                if (ownCommitUnseen)
                    unread.Add(id);
                answers[i] = spent;
                continue;
            }
            var tckn = command.Applicant.Tckn.Value;
            var claim = SingleUse.Of(command.Confirmation);
            writes.Add(new NewApplication(command.Tenant.ProvinceCode, id, tckn, decision.Events, claim, command.Blobs));
            stored[id] = new StoredSubmission(id, decision.Events.Count, (RenewalSubmitted)decision.Events[0]);
            open[OpenKey.Of(command)] = id;
            if (claim is not null)
                claims[claim] = id;
            answers[i] = StoreResult<WriteResult>.Success(new WriteResult(id, decision.Events.Count, decision.Events));
        }
        return new SubmissionPlan(answers, writes, unread);
    }

    /// <summary>
    /// The answer to a command whose write lost a race in PostgreSQL (its stream, its applicant's open renewal or its
    /// signed material was committed meanwhile), given a fresh read: the same rules as <see cref="Plan"/>, never a write.
    /// </summary>
    public static StoreResult<WriteResult> AfterLostRace(SubmissionSnapshot known, SubmitRenewal command) =>
        Blocker(command, known.Stored, known.OpenRenewals, out _) ?? Spent(command, known.Claimed, out _) ?? OpenRenewalExists(null);

    /// <summary>
    /// What stops a command before the decider, in this order: its own request already stored (a replay, or a request id
    /// reused for other content), an open renewal of its applicant. <paramref name="ownCommitUnseen"/>: the guard names
    /// the command's own id while its stream was not read, i.e. it committed between the reads (reading the stream turns
    /// it into a replay).
    /// </summary>
    private static StoreResult<WriteResult>? Blocker(SubmitRenewal command, IReadOnlyDictionary<Guid, StoredSubmission> stored,
        IReadOnlyDictionary<OpenKey, Guid> open, out bool ownCommitUnseen)
    {
        ownCommitUnseen = false;
        var id = command.ApplicationId;
        if (stored.TryGetValue(id, out var earlier))
            return Replay(command, earlier);
        if (open.TryGetValue(OpenKey.Of(command), out var holder))
        {
            ownCommitUnseen = holder == id;
            return OpenRenewalExists(holder);
        }
        return null;
    }

    /// <summary>
    /// The command's signed material held by another application (any tenant, any time: withdrawn and rejected ones
    /// keep theirs). Held by the command's own id: its commit was not read yet (<paramref name="ownCommitUnseen"/>).
    /// </summary>
    private static StoreResult<WriteResult>? Spent(SubmitRenewal command, IReadOnlyDictionary<SingleUseKey, Guid> claims, out bool ownCommitUnseen)
    {
        ownCommitUnseen = false;
        if (SingleUse.Of(command.Confirmation) is not { } claim || !claims.TryGetValue(claim, out var claimant))
            return null;
        ownCommitUnseen = claimant == command.ApplicationId;
        return ownCommitUnseen ? OpenRenewalExists(null) : SignedMaterialReused(claim);
    }

    /// <summary>
    /// The answer to a command whose id is already submitted, in the store or earlier in the batch. Every replay is
    /// answered here, the one place that compares a command with the submission it repeats: the same submitter with the
    /// same content gets the stored application, marked as a retry; anything else is a conflict that reveals nothing of
    /// the stored application (not its id, not its code).
    /// </summary>
    public static StoreResult<WriteResult> Replay(SubmitRenewal command, StoredSubmission stored)
    {
        var first = stored.Submitted;
        var sameSubmitter = string.Equals(first.Submitter ?? "", command.Submitter, StringComparison.Ordinal);
        var sameContent = string.Equals(first.ContentSha256 ?? "", command.ContentSha256, StringComparison.OrdinalIgnoreCase);
        if (!sameSubmitter || !sameContent)
            return StoreResult<WriteResult>.Fail(FailureKind.Conflict, ErrorCodes.RequestIdReused,
                "This client_request_id was already used for a submission with other content; a retry must send the same signed form. " +
                "For a new submission use a new client_request_id.");
        return StoreResult<WriteResult>.Success(new WriteResult(stored.ApplicationId, stored.Version, [first], WasRetry: true));
    }

    private static StoreResult<WriteResult> OpenRenewalExists(Guid? existing) => StoreResult<WriteResult>.Fail(FailureKind.Conflict,
        ErrorCodes.OpenRenewalExists, "This person already has an open renewal application in this directorate; withdraw it or wait for it to finish.", existing);

    private static StoreResult<WriteResult> SignedMaterialReused(SingleUseKey claim) => StoreResult<WriteResult>.Fail(FailureKind.Domain,
        ErrorCodes.SignedMaterialReused, claim.Kind == SingleUseKind.EOnayNonce
            ? "This e-Onay confirmation was already used by an application; get a new e-Onay confirmation for this submission."
            : "This signed form was already used by an application; sign the form again for this submission.");
}
