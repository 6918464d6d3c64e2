using Marten.Schema;
using Signing.Domain;

namespace Signing.Store;

/// <summary>One line of an application's history, for the applicant and for audit.</summary>
/// <param name="Actor">Who did it (<see cref="ApplicationProgress.ActorOf"/>); null in views folded before it was kept.</param>
public sealed record HistoryEntry(long Version, DateTimeOffset At, string Event, string Description, string? Actor = null);

/// <summary>"Where is my application?" — one per application (stream), inline, per tenant.</summary>
public sealed record ApplicationView
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public string ApplicationCode { get; init; } = "";
    public string ApplicantTckn { get; init; } = "";
    public string ApplicantName { get; init; } = "";
    public ApplicantCategory Category { get; init; }
    public ConfirmationMethod Method { get; init; }
    public ApplicationStatus Status { get; init; }
    public Actor NextActor { get; init; }
    public string NextStep { get; init; } = "";
    public IReadOnlyList<Lack> Lacks { get; init; } = [];
    public bool IsOpen { get; init; }
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The stream version: what a client sends back as expectedVersion.</summary>
    public long Version { get; init; }
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];
    /// <summary>The folded domain state, so the projection evolves with the decider's own Evolve (one source of truth).</summary>
    public ApplicationState State { get; init; } = ApplicationState.Initial;

    /// <summary>
    /// Set (the submission time, UTC) while the application waits on the officer, null otherwise: the approval queue is
    /// the views with a QueuedAt, oldest first (with Id as tie-breaker for keyset paging).
    /// </summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>On the queue with nothing lacking: an officer can approve it now.</summary>
    public bool Ready { get; init; }

    public static void ConfigureMarten(DocumentMapping mapping)
    {
        var typed = (DocumentMapping<ApplicationView>)mapping;
        typed.Duplicate(x => x.ApplicantTckn);
        typed.Duplicate(x => x.Status, pgType: "varchar");
        typed.Duplicate(x => x.QueuedAt);
        // Found by id or by applicant whatever the tenant (one query, not one per tenant): these two lead with their key.
        SigningStore.AddIndex(mapping, "ix_signing_view_id", "id");
        SigningStore.AddIndex(mapping, "ix_signing_view_applicant", "applicant_tckn");
        SigningStore.AddIndex(mapping, "ix_signing_view_status", "tenant_id", "status");
        // The queue is a partial index of the views: only applications waiting on the officer are in it, so it stays the
        // size of the queue, and a keyset page walks (tenant_id, queued_at, id) at the same cost at 10k or 1M rows.
        SigningStore.AddIndex(mapping, "ix_signing_queue_keyset", ["tenant_id", "queued_at", "id"], predicate: "queued_at is not null");
        // The typeable code (printed on the wet form, read out on the phone) finds its application in any tenant.
        mapping.Indexes.Add(new Weasel.Postgresql.Tables.IndexDefinition("ix_signing_view_code") { Columns = ["(data ->> 'ApplicationCode')"] });
    }
}

/// <summary>
/// An item of the officer's queue (paper or decision), as ListQueue and WatchQueue show it. Not a stored document: the
/// queue is the <see cref="ApplicationView"/>s with a QueuedAt (one fewer row to write per submission).
/// </summary>
public sealed record ApprovalQueueItem
{
    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    /// <summary>Submission time: the queue's order (with Id as tie-breaker for keyset paging).</summary>
    public DateTimeOffset QueuedAt { get; init; }
    public string ApplicationCode { get; init; } = "";
    public string ApplicantTckn { get; init; } = "";
    public string ApplicantName { get; init; } = "";
    public ApplicantCategory Category { get; init; }
    public ConfirmationMethod Method { get; init; }
    public ApplicationStatus Status { get; init; }
    public IReadOnlyList<Lack> Lacks { get; init; } = [];
    /// <summary>Nothing lacking: an officer can approve it now.</summary>
    public bool Ready { get; init; }
    public IReadOnlyList<string> ApprovedBy { get; init; } = [];
    public int ApprovalsRequired { get; init; }
    public long Version { get; init; }

    /// <summary>The queue item of a view; null when the application is not waiting on the officer.</summary>
    public static ApprovalQueueItem? From(ApplicationView? view) => view?.QueuedAt is not { } queuedAt ? null : new ApprovalQueueItem
    {
        Id = view.Id,
        Tenant = view.Tenant,
        QueuedAt = queuedAt,
        ApplicationCode = view.ApplicationCode,
        ApplicantTckn = view.ApplicantTckn,
        ApplicantName = view.ApplicantName,
        Category = view.Category,
        Method = view.Method,
        Status = view.Status,
        Lacks = view.Lacks,
        Ready = view.Ready,
        ApprovedBy = view.State.Approvals,
        ApprovalsRequired = view.State.ApprovalsRequired,
        Version = view.Version,
    };
}

/// <summary>A certificate holder seen in a check or an application: feeds "whose NES ends within 90 days", per tenant.</summary>
public sealed record CertificateHolder
{
    /// <summary>The holder's TCKN (one row per holder per tenant).</summary>
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public ApplicantCategory? Category { get; init; }
    public DateTimeOffset NotAfter { get; init; }
    public string? CertificateSha256 { get; init; }
    public DateTimeOffset LastSeenAt { get; init; }
    /// <summary>The latest renewal application seen for this holder, if any.</summary>
    public Guid? RenewalApplicationId { get; init; }
    /// <summary>The last reminder stage (days before notAfter) scheduled for the certificate <see cref="CertificateSha256"/>; null when none.</summary>
    public int? ReminderStage { get; init; }

    public static void ConfigureMarten(DocumentMapping mapping)
    {
        ((DocumentMapping<CertificateHolder>)mapping).Duplicate(x => x.NotAfter);
        SigningStore.AddIndex(mapping, "ix_signing_expiring_keyset", "tenant_id", "not_after", "id");
    }
}

/// <summary>
/// One person on a directorate's staff list (id = TCKN, one row per person per tenant), as its HR system last sent it.
/// KVKK: only what the renewal needs (name, category, institution, how to reach the person); the contact fields of a person
/// deactivated long enough ago are erased (<see cref="ContactErasedAt"/>).
/// </summary>
public sealed record RosterMember
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public StaffCategory Category { get; init; }
    public string Institution { get; init; } = "";
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public bool Active { get; init; } = true;
    /// <summary>When an import last changed this row.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the person was deactivated (null while active).</summary>
    public DateTimeOffset? DeactivatedAt { get; init; }
    /// <summary>When the contact fields were erased after deactivation (KVKK); null while they are kept.</summary>
    public DateTimeOffset? ContactErasedAt { get; init; }

    public static void ConfigureMarten(DocumentMapping mapping)
    {
        var roster = (DocumentMapping<RosterMember>)mapping;
        roster.Duplicate(x => x.Active);
        roster.Duplicate(x => x.DeactivatedAt);
        // The KVKK sweep's search: deactivated people whose contact data is still kept.
        SigningStore.AddIndex(mapping, "ix_signing_roster_deactivated", ["tenant_id", "deactivated_at"], predicate: "deactivated_at is not null");
    }
}

/// <summary>
/// The database's guard for "at most one open renewal per TCKN per tenant": id = TCKN, inserted (never upserted) with the
/// stream in one transaction, deleted when the application closes. The primary key (tenant_id, id) settles races.
/// </summary>
public sealed class OpenRenewal
{
    public string Id { get; set; } = "";
    public Guid ApplicationId { get; set; }
}

/// <summary>Counts per status for one tenant.</summary>
public sealed record TenantStats(string Tenant, IReadOnlyDictionary<ApplicationStatus, int> Counts)
{
    public int Total => Counts.Values.Sum();
}

/// <summary>A page of a keyset-paged list; <see cref="Next"/> is null on the last page.</summary>
public sealed record Page<T, TCursor>(IReadOnlyList<T> Items, TCursor? Next) where TCursor : class;

/// <summary>Keyset cursor of the approval queue: the last row's (QueuedAt, Id).</summary>
public sealed record QueueCursor(DateTimeOffset QueuedAt, Guid Id);

/// <summary>Keyset cursor of the expiring list: the last row's (NotAfter, TCKN).</summary>
public sealed record ExpiringCursor(DateTimeOffset NotAfter, string Tckn);

/// <summary>Queue filters: a category; only approvable items (ReadyOnly); only items lacking one thing (Lacking).</summary>
public sealed record QueueFilter(ApplicantCategory? Category = null, bool ReadyOnly = false, Lack? Lacking = null);
