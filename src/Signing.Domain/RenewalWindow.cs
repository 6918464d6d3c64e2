namespace Signing.Domain;

public enum CertificateState
{
    /// <summary>More than 3 months left: not yet in the renewal window.</summary>
    Valid,
    /// <summary>3 months or less left (Kamu SM has sent "E-imza süreniz doluyor"): renew now.</summary>
    Expiring,
    /// <summary>Past its notAfter: it can no longer sign.</summary>
    Expired,
}

/// <summary>
/// The renewal window: Kamu SM warns 3 months before expiry, so a certificate with ≤ 3 months left is expiring.
/// The window is calendar months (as the warning is); the expiring list uses a fixed 90 days so a page query is a range.
/// </summary>
public static class RenewalWindow
{
    public const int WindowMonths = 3;
    public static readonly TimeSpan ExpiringListHorizon = TimeSpan.FromDays(90);

    public static CertificateState Classify(DateTimeOffset notAfter, DateTimeOffset now)
    {
        if (notAfter <= now)
            return CertificateState.Expired;
        return now >= notAfter.AddMonths(-WindowMonths) ? CertificateState.Expiring : CertificateState.Valid;
    }

    /// <summary>Whole days left, negative when expired (rounded down).</summary>
    public static int DaysLeft(DateTimeOffset notAfter, DateTimeOffset now) => (int)Math.Floor((notAfter - now).TotalDays);

    /// <summary>A still-valid certificate can e-sign the form (expiring counts: it is still valid).</summary>
    public static bool CanESign(DateTimeOffset notAfter, DateTimeOffset now) => notAfter > now;

    /// <summary>The state for a number of days left, as the guidance takes it (3 months ≈ 90 days).</summary>
    public static CertificateState FromDaysLeft(int daysLeft) =>
        daysLeft < 0 ? CertificateState.Expired : daysLeft <= 90 ? CertificateState.Expiring : CertificateState.Valid;
}
