using JasperFx.Events;
using Marten.Events.Aggregation;
using Marten.Events.Projections;
using Signing.Domain;

namespace Signing.Store;

/// <summary>ApplicationView: folds with the decider's Evolve, adds next step, history and the application's place on the queue.</summary>
public sealed class ApplicationViewProjection : SingleStreamProjection<ApplicationView, Guid>
{
    public override ApplicationView? Evolve(ApplicationView? snapshot, Guid id, IEvent e)
    {
        if (e.Data is not IApplicationEvent @event)
            return snapshot;
        var state = ApplicationDecider.Evolve(snapshot?.State ?? ApplicationState.Initial, @event);
        var next = ApplicationProgress.Next(state);
        var lacks = state.Lacks();
        var onQueue = state.IsOnQueue();
        return new ApplicationView
        {
            Id = id,
            Tenant = state.Tenant,
            ApplicationCode = state.ApplicationCode,
            ApplicantTckn = state.ApplicantTckn,
            ApplicantName = state.GivenName + " " + state.Surname,
            Category = state.Category,
            Method = state.Method,
            Status = state.Status,
            NextActor = next.Who,
            NextStep = next.What,
            Lacks = lacks,
            IsOpen = state.IsOpen(),
            SubmittedAt = state.SubmittedAt,
            UpdatedAt = state.UpdatedAt,
            Version = e.Version,
            History = [.. snapshot?.History ?? [], new HistoryEntry(e.Version, @event.At, e.EventTypeName, ApplicationProgress.Describe(@event), ApplicationProgress.ActorOf(@event))],
            State = state,
            // UTC: the duplicated timestamptz column only takes offset 0 (Npgsql), and one offset keeps the keyset order plain.
            // An application is on the queue from submission until the decision and never comes back to it.
            QueuedAt = onQueue ? state.SubmittedAt.ToUniversalTime() : null,
            Ready = onQueue && lacks.Count == 0,
        };
    }
}

/// <summary>
/// The expiring list's row, one per holder (TCKN) per tenant, from applications and from certificates seen in checks. The
/// store writes it itself beside the event that changes it, in the event's transaction (<see cref="CertificateHolders"/>):
/// as an inline projection Marten would load the rows of each tenant of a group commit in a round trip of its own, so a
/// batch spread over 81 directorates would read 81 times. This projection is registered only by
/// <see cref="SigningStore.CreateMaintenanceStore"/>, so that an operator can rebuild the rows from the events; the rebuild
/// and the live rows agree because both fold with <see cref="CertificateHolders.Apply"/>.
/// </summary>
public sealed class CertificateHolderProjection : MultiStreamProjection<CertificateHolder, string>
{
    public CertificateHolderProjection()
    {
        Identity<RenewalSubmitted>(e => e.ApplicantTckn);
        Identity<CertificateSeen>(e => e.Tckn);
        Identity<ReminderScheduled>(e => e.Tckn);
    }

    public override CertificateHolder? Evolve(CertificateHolder? snapshot, string id, IEvent e) => CertificateHolders.Apply(snapshot, id, e.Data);
}

/// <summary>How a holder's row changes with an event: the latest certificate (by notAfter) wins, the rest is the latest word.</summary>
public static class CertificateHolders
{
    public static CertificateHolder? Apply(CertificateHolder? snapshot, string tckn, object @event)
    {
        var holder = snapshot ?? new CertificateHolder { Id = tckn };
        return @event switch
        {
            RenewalSubmitted s => holder with
            {
                Name = s.GivenName + " " + s.Surname,
                Category = s.Category,
                // A later check may already have seen a newer certificate: keep the latest notAfter.
                NotAfter = snapshot is null || s.CurrentCertificateNotAfter >= holder.NotAfter ? s.CurrentCertificateNotAfter.ToUniversalTime() : holder.NotAfter,
                CertificateSha256 = snapshot is null || s.CurrentCertificateNotAfter >= holder.NotAfter ? s.CurrentCertificateSha256 : holder.CertificateSha256,
                LastSeenAt = s.At,
                RenewalApplicationId = s.ApplicationId,
                ReminderStage = snapshot is null || s.CurrentCertificateNotAfter > holder.NotAfter ? null : holder.ReminderStage,
            },
            CertificateSeen c => holder with
            {
                Name = c.Name,
                Category = c.Category ?? holder.Category,
                NotAfter = snapshot is null || c.NotAfter >= holder.NotAfter ? c.NotAfter.ToUniversalTime() : holder.NotAfter,
                CertificateSha256 = snapshot is null || c.NotAfter >= holder.NotAfter ? c.CertificateSha256 : holder.CertificateSha256,
                LastSeenAt = c.At,
                // The stages start again for a newer certificate.
                ReminderStage = snapshot is null || c.NotAfter > holder.NotAfter ? null : holder.ReminderStage,
            },
            // A reminder counts for the certificate it was for; one for an older certificate changes nothing.
            ReminderScheduled r => r.CertificateSha256 == holder.CertificateSha256 ? holder with { ReminderStage = r.StageDays } : holder,
            _ => snapshot,
        };
    }
}
