namespace Signing.Domain;

/// <summary>
/// A person's category on the directorate's staff list (the roster the HR system keeps). It decides who pays and how the
/// person renews: other staff (diğer personel) renew individually at Kamu SM.
/// </summary>
public enum StaffCategory
{
    /// <summary>Yönetici.</summary>
    Manager = 1,
    /// <summary>Doktor.</summary>
    Doctor = 2,
    /// <summary>Aile Hekimi: pays the fee personally.</summary>
    FamilyPhysician = 3,
    /// <summary>Diğer personel: applies to Kamu SM individually (bireysel başvuru).</summary>
    OtherStaff = 4,
}

/// <summary>What a submission's applicant category is checked against, and what to do when they disagree.</summary>
public enum CategoryCheck
{
    /// <summary>A category that disagrees with the roster's is refused, naming the roster's category.</summary>
    Refuse,
    /// <summary>Accepted under the roster's category and flagged on the queue (lacks CATEGORY_CONFIRMED) for an officer.</summary>
    Flag,
}

/// <summary>
/// What the roster says of an applicant: their category, or null when they are not on it (or no longer active). A
/// submission without this fact (the directorate keeps no roster) takes the applicant's category as given.
/// </summary>
public sealed record RosterFact(StaffCategory? Category);

public static class StaffCategories
{
    /// <summary>The applicant category a person of this staff category applies under.</summary>
    public static ApplicantCategory Applicant(this StaffCategory category) => category switch
    {
        StaffCategory.Manager => ApplicantCategory.Manager,
        StaffCategory.Doctor => ApplicantCategory.Doctor,
        StaffCategory.FamilyPhysician => ApplicantCategory.FamilyPhysician,
        StaffCategory.OtherStaff => ApplicantCategory.Individual,
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a staff category"),
    };

    /// <summary>The name the HR system and the officer use (Turkish).</summary>
    public static string TurkishName(this StaffCategory category) => category switch
    {
        StaffCategory.Manager => "Yönetici",
        StaffCategory.Doctor => "Doktor",
        StaffCategory.FamilyPhysician => "Aile Hekimi",
        StaffCategory.OtherStaff => "Diğer Personel",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a staff category"),
    };

    /// <summary>
    /// A category as an HR file or a client writes it: the Turkish name (any case, with or without Turkish letters) or the
    /// API's name (MANAGER, DOCTOR, FAMILY_PHYSICIAN, OTHER_STAFF). Null when it is none of them.
    /// </summary>
    public static StaffCategory? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var key = TurkishText.Fold(text);
        return key switch
        {
            "yonetici" or "manager" => StaffCategory.Manager,
            "doktor" or "hekim" or "doctor" => StaffCategory.Doctor,
            "aile hekimi" or "family physician" => StaffCategory.FamilyPhysician,
            "diger personel" or "diger" or "personel" or "other staff" => StaffCategory.OtherStaff,
            _ => null,
        };
    }
}

/// <summary>The renewal reminder stages: days before notAfter at which a person with no open renewal is e-mailed.</summary>
public static class ReminderStages
{
    public static readonly IReadOnlyList<int> Default = [90, 60, 30, 7];

    /// <summary>Why a list of stages is unusable (null when it is fine): 1–365 days each, no repeats.</summary>
    public static string? Problem(IReadOnlyList<int> stages)
    {
        if (stages.Count == 0)
            return "at least one stage is needed";
        if (stages.Where(s => s is < 1 or > 365).Select(s => (int?)s).FirstOrDefault() is { } bad)
            return $"a stage is 1 to 365 days before expiry, not {bad}";
        if (stages.Distinct().Count() != stages.Count)
            return "a stage is listed twice";
        return null;
    }

    /// <summary>
    /// The most advanced stage reached at <paramref name="now"/> (the fewest days among the stages not later than the days
    /// left), or null before the first stage and once the certificate has expired. A person first seen with 20 days left
    /// has reached the 30-day stage, not the 90- and 60-day ones too: one reminder, the one that fits.
    /// </summary>
    public static int? Reached(DateTimeOffset notAfter, DateTimeOffset now, IReadOnlyList<int> stages)
    {
        if (notAfter <= now)
            return null;
        var left = (notAfter - now).TotalDays;
        int? reached = null;
        foreach (var stage in stages)
        {
            if (left <= stage && (reached is null || stage < reached))
                reached = stage;
        }
        return reached;
    }
}
