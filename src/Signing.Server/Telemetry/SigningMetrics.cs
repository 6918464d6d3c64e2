using System.Diagnostics.Metrics;
using Signing.Server.Receipts;
using Signing.Store;
using Vf = Signing.Verification;

namespace Signing.Server.Telemetry;

/// <summary>
/// The server's own instruments, on one meter (<see cref="MeterName"/>). Tags are bounded sets (method, outcome,
/// indication, decision, province code): never a TCKN, an application id or anything a caller typed. Without an exporter
/// (Signing:Telemetry off) nobody listens and recording costs next to nothing, so the services record unconditionally.
/// </summary>
public sealed class SigningMetrics
{
    public const string MeterName = "Signing";

    private readonly Counter<long> _submissions;
    private readonly Counter<long> _verdicts;
    private readonly Counter<long> _decisions;

    public SigningMetrics(IMeterFactory meters, IServiceProvider services)
    {
        // From the factory, so each host (the tests run several in one process) owns its meter and drops it when disposed.
        Meter = meters.Create(MeterName);
        _submissions = Meter.CreateCounter<long>("signing.submissions", "{submission}",
            "Submissions answered, by confirmation method and outcome (accepted, replayed, refused)");
        _verdicts = Meter.CreateCounter<long>("signing.verdicts", "{verdict}",
            "Signature verifications, by purpose and ETSI EN 319 102-1 indication and sub-indication");
        _decisions = Meter.CreateCounter<long>("signing.decisions", "{decision}", "Officer decisions stored, by decision");
        BatchSizes = Meter.CreateHistogram<int>("signing.group_commit.batch_size", "{submission}",
            "Submissions committed together in one group-commit batch", advice: new InstrumentAdvice<int>
            {
                // Powers of two up to the default MaxBatch: the shape of a batch-size distribution is logarithmic.
                HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            });
        // The submitter and the signer are resolved when first observed: the submitter itself is built with BatchSizes.
        Meter.CreateObservableGauge("signing.group_commit.queue_depth", () => (services.GetService<IRenewalSubmitter>() as GroupCommitSubmitter)?.Queued ?? 0,
            "{submission}", "Submissions waiting for a group-commit batch");
        Meter.CreateObservableGauge("signing.receipts.queue_depth", () => services.GetService<ReceiptSigner>()?.Queued ?? 0,
            "{receipt}", "Receipts waiting for the server token's next batch signature");
    }

    public Meter Meter { get; }

    /// <summary>Given to the group-commit submitter, which records each batch it commits.</summary>
    public Histogram<int> BatchSizes { get; }

    public void Submission(Domain.ConfirmationMethod method, SubmissionOutcome outcome, string tenant) =>
        _submissions.Add(1, new("method", Method(method)), new("outcome", Outcome(outcome)), new("tenant", tenant));

    /// <param name="purpose">What was verified: <c>e_signed</c>, <c>e_onay</c>, <c>decision</c>.</param>
    public void Verdict(Vf.Verdict verdict, string purpose) =>
        _verdicts.Add(1, new("purpose", purpose), new("indication", Indication(verdict.Indication)),
            new("sub_indication", verdict.SubIndication == Vf.SubIndication.None ? "NONE" : Mapping.Proto.SubIndication(verdict)));

    public void Decision(Domain.OfficerDecision decision, string tenant) =>
        _decisions.Add(1, new("decision", decision == Domain.OfficerDecision.Approve ? "approve" : "reject"), new("tenant", tenant));

    private static string Method(Domain.ConfirmationMethod method) => method switch
    {
        Domain.ConfirmationMethod.ESignature => "e_signed",
        Domain.ConfirmationMethod.EOnay => "e_onay",
        _ => "wet_signed",
    };

    private static string Outcome(SubmissionOutcome outcome) => outcome switch
    {
        SubmissionOutcome.Accepted => "accepted",
        SubmissionOutcome.Replayed => "replayed",
        _ => "refused",
    };

    private static string Indication(Vf.Indication indication) => indication switch
    {
        Vf.Indication.TotalPassed => "TOTAL_PASSED",
        Vf.Indication.TotalFailed => "TOTAL_FAILED",
        _ => "INDETERMINATE",
    };
}

/// <summary>How a submission that reached the rules ended.</summary>
public enum SubmissionOutcome
{
    /// <summary>Stored now.</summary>
    Accepted,
    /// <summary>A retry of one stored before (same request id): answered with the stored outcome.</summary>
    Replayed,
    /// <summary>Refused by the rules or the store (open renewal, request id reused for other content…).</summary>
    Refused,
}
