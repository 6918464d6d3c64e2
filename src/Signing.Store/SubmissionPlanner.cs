using Signing.Domain;

namespace Signing.Store;

/// <summary>A submission already in the store, as a replay of its request sees it: the stream's version and its first event.</summary>
internal sealed record StoredSubmission(Guid ApplicationId, long Version, RenewalSubmitted Submitted);

/// <summary>
/// What the store held for a batch's commands when it was read: the submissions stored under their ids and the open
/// renewals (TCKN → application id) of their applicants.
/// </summary>
internal sealed record SubmissionSnapshot(IReadOnlyDictionary<Guid, StoredSubmission> Stored, IReadOnlyDictionary<string, Guid> OpenRenewals)
{
    public static readonly SubmissionSnapshot Empty = new(new Dictionary<Guid, StoredSubmission>(), new Dictionary<string, Guid>(StringComparer.Ordinal));

    public SubmissionSnapshot With(IEnumerable<StoredSubmission> more) =>
        this with { Stored = Stored.Values.Concat(more).ToDictionary(s => s.ApplicationId) };
}

/// <summary>A new application to write: its stream's first events and the open-renewal guard of its applicant.</summary>
internal sealed record NewApplication(Guid ApplicationId, string ApplicantTckn, IReadOnlyList<IApplicationEvent> Events);

/// <summary>
/// The outcome of planning a batch: one answer per command (in the commands' order) and the applications to write.
/// <see cref="Unread"/> names commands whose own open renewal was seen without their stream: it committed between the
/// two reads, so reading those streams and planning again turns them into replays.
/// </summary>
internal sealed record SubmissionPlan(IReadOnlyList<StoreResult<WriteResult>> Answers, IReadOnlyList<NewApplication> Writes, IReadOnlyList<Guid> Unread);

/// <summary>
/// Every rule about submitting, without I/O: which requests are admitted, which are replays of a stored or an earlier
/// submission, which collide with an open renewal, which the decider refuses, and what is written. A batch is answered
/// exactly as its commands would be one after another in arrival order; a single submission is a batch of one.
/// </summary>
internal static class SubmissionPlanner
{
    /// <summary>
    /// The checks that need no database. Returns the command stamped with its application id (derived from the tenant
    /// and the client request id, so a retry lands on the same stream), or the refusal.
    /// </summary>
    public static (SubmitRenewal? Admitted, StoreResult<WriteResult>? Refused) Admit(string tenant, SubmitRenewal command)
    {
        if (command.Tenant.ProvinceCode != tenant)
            return (null, StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.WrongTenant,
                $"The tenant settings are for {command.Tenant.ProvinceCode}, the request for {tenant}."));
        if (string.IsNullOrWhiteSpace(command.ClientRequestId))
            return (null, StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.MissingRequestId,
                "A client request id is required (it makes retries safe)."));
        return (command with { ApplicationId = ApplicationStore.ApplicationIdFor(tenant, command.ClientRequestId) }, null);
    }

    /// <summary>Plans admitted commands (see <see cref="Admit"/>) of one tenant against what the store held.</summary>
    public static SubmissionPlan Plan(SubmissionSnapshot known, IReadOnlyList<SubmitRenewal> commands)
    {
        // Earlier commands of the batch count as committed for the later ones.
        var stored = new Dictionary<Guid, StoredSubmission>(known.Stored);
        var open = new Dictionary<string, Guid>(known.OpenRenewals, StringComparer.Ordinal);
        var answers = new StoreResult<WriteResult>[commands.Count];
        var writes = new List<NewApplication>();
        var unread = new List<Guid>();
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            var id = command.ApplicationId;
            if (stored.TryGetValue(id, out var earlier))
            {
                answers[i] = Replay(command, earlier);
                continue;
            }
            var tckn = command.Applicant.Tckn.Value;
            if (open.TryGetValue(tckn, out var holder))
            {
                if (holder == id)
                    unread.Add(id);
                answers[i] = OpenRenewalExists(holder);
                continue;
            }
            var decision = ApplicationDecider.Decide(command, ApplicationState.Initial);
            if (!decision.IsAccepted)
            {
                answers[i] = StoreResult<WriteResult>.Fail(FailureKind.Domain, decision.Error!.Code, decision.Error.Message);
                continue;
            }
            writes.Add(new NewApplication(id, tckn, decision.Events));
            stored[id] = new StoredSubmission(id, decision.Events.Count, (RenewalSubmitted)decision.Events[0]);
            open[tckn] = id;
            answers[i] = StoreResult<WriteResult>.Success(new WriteResult(id, decision.Events.Count, decision.Events));
        }
        return new SubmissionPlan(answers, writes, unread);
    }

    /// <summary>
    /// The answer to a command whose write lost a race in PostgreSQL (its stream or its applicant's open renewal was
    /// committed meanwhile), given a fresh read: a replay if its own submission is stored, else the open renewal's holder.
    /// </summary>
    public static StoreResult<WriteResult> AfterLostRace(SubmissionSnapshot known, SubmitRenewal command) =>
        known.Stored.TryGetValue(command.ApplicationId, out var stored)
            ? Replay(command, stored)
            : OpenRenewalExists(known.OpenRenewals.TryGetValue(command.Applicant.Tckn.Value, out var holder) ? holder : null);

    /// <summary>
    /// The answer to a command whose id is already submitted, in the store or earlier in the batch: the stored application,
    /// marked as a retry. Every replay is answered here, the one place that compares a command with the submission it repeats.
    /// </summary>
    public static StoreResult<WriteResult> Replay(SubmitRenewal command, StoredSubmission stored) =>
        StoreResult<WriteResult>.Success(new WriteResult(stored.ApplicationId, stored.Version, [stored.Submitted], WasRetry: true));

    private static StoreResult<WriteResult> OpenRenewalExists(Guid? existing) => StoreResult<WriteResult>.Fail(FailureKind.Conflict,
        ErrorCodes.OpenRenewalExists, "This person already has an open renewal application in this directorate; withdraw it or wait for it to finish.", existing);
}
