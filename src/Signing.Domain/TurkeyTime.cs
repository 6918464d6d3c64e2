namespace Signing.Domain;

/// <summary>
/// Türkiye has kept UTC+3 all year since 2016 (no daylight saving): dates and times a person there reads (bank receipts,
/// the printed form, e-mails, the desk) are on that clock. A fixed offset avoids depending on the machine's tzdata.
/// </summary>
public static class TurkeyTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(3);
}
