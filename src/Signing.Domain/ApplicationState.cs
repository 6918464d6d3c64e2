namespace Signing.Domain;

/// <summary>What is known about one application, folded from its events by <see cref="ApplicationDecider.Evolve"/>.</summary>
public sealed record ApplicationState
{
    public static readonly ApplicationState Initial = new();

    public Guid Id { get; init; }
    public string Tenant { get; init; } = "";
    public ApplicationStatus Status { get; init; } = ApplicationStatus.None;
    public string ApplicationCode { get; init; } = "";
    public string ClientRequestId { get; init; } = "";
    public string ApplicantTckn { get; init; } = "";
    public string GivenName { get; init; } = "";
    public string Surname { get; init; } = "";
    public ApplicantCategory Category { get; init; }
    /// <summary>The category the applicant chose, when the rules applied another (the roster's).</summary>
    public ApplicantCategory? ClaimedCategory { get; init; }
    /// <summary>The roster did not confirm the category: an officer must, before approval.</summary>
    public bool CategoryUnconfirmed { get; init; }
    public ConfirmationMethod Method { get; init; }
    public ApplicationRoute Route { get; init; }
    public string DeliveryAddress { get; init; } = "";
    public DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset CurrentCertificateNotAfter { get; init; }
    public decimal? FeeDue { get; init; }
    public string? FeeIban { get; init; }
    public int ApprovalsRequired { get; init; }
    public IReadOnlyList<string> Approvals { get; init; } = [];
    public bool PaperRegistered { get; init; }
    public string? ReceiptFileSha256 { get; init; }
    /// <summary>The fee receipt (dekont) as attached, for the officer who checks it; null before one is attached.</summary>
    public ReceiptAttached? Receipt { get; init; }
    public int DispatchAttempts { get; init; }
    public string? LastReturnReason { get; init; }
    public string? DecisionReason { get; init; }
    public decimal? Price { get; init; }
    public DateTimeOffset? PaidAt { get; init; }

    public bool IsSubmitted() => Status != ApplicationStatus.None;

    /// <summary>Finished: nothing more will happen (delivered, rejected or withdrawn). Everything else is an open renewal.</summary>
    public bool IsClosed() => Status is ApplicationStatus.Delivered or ApplicationStatus.Rejected or ApplicationStatus.Withdrawn;

    public bool IsOpen() => IsSubmitted() && !IsClosed();

    public bool ReceiptRequired() => FeeDue is not null;

    /// <summary>On the directorate's officer queue: waiting for paper or for a decision.</summary>
    public bool IsOnQueue() => Status is ApplicationStatus.AwaitingPaper or ApplicationStatus.AwaitingApproval;

    /// <summary>What the officer's queue shows as missing; empty = approvable.</summary>
    public IReadOnlyList<Lack> Lacks()
    {
        if (!IsOnQueue())
            return [];
        var lacks = new List<Lack>();
        if (Status == ApplicationStatus.AwaitingPaper)
            lacks.Add(Lack.Paper);
        if (ReceiptRequired() && ReceiptFileSha256 is null)
            lacks.Add(Lack.Receipt);
        if (Approvals.Count > 0 && Approvals.Count < ApprovalsRequired)
            lacks.Add(Lack.SecondApproval);
        if (CategoryUnconfirmed)
            lacks.Add(Lack.CategoryConfirmed);
        return lacks;
    }

    /// <summary>An officer may approve it now: on the queue, paper in, receipt matched (a pending second approval is what the approval gives).</summary>
    public bool IsApprovable() =>
        Status == ApplicationStatus.AwaitingApproval && !(ReceiptRequired() && ReceiptFileSha256 is null) && !CategoryUnconfirmed;
}
