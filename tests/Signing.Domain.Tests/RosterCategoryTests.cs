using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>The applicant's category against the directorate's staff list, and the officer who settles what the list did not.</summary>
public class RosterCategoryTests
{
    private static readonly TenantSettings Flagging = Mersin() with { CategoryCheck = CategoryCheck.Flag };

    private static RenewalSubmitted Submitted(SubmitRenewal c) => Assert.IsType<RenewalSubmitted>(Assert.Single(Spec.Accepted([], c)));

    private static SubmitRenewal Listed(SubmitRenewal c, StaffCategory? category) => c with { Roster = new RosterFact(category) };

    /// <summary>A doctor by their own word, whose NES has expired (so a wet form is fine whatever the category turns out to be).</summary>
    private static SubmitRenewal ExpiredDoctorWet(TenantSettings? tenant = null) => Submit(Doctor, Wet, tenant, notAfter: Now.AddDays(-3));

    [Fact]
    public void Without_a_roster_the_category_is_taken_as_given()
    {
        var e = Submitted(Submit(Doctor, ESignedBy(Doctor)));
        Assert.False(e.CategoryUnconfirmed);
        Assert.Null(e.ClaimedCategory);
    }

    [Fact]
    public void A_category_the_roster_confirms_is_accepted_unflagged()
    {
        var e = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), StaffCategory.Doctor));
        Assert.False(e.CategoryUnconfirmed);
        Assert.Empty(Spec.State(e).Lacks());
    }

    [Fact]
    public void Other_staff_on_the_roster_apply_as_individuals()
    {
        var e = Submitted(Listed(Submit(Individual, ESignedBy(Individual)), StaffCategory.OtherStaff));
        Assert.Equal(ApplicationRoute.KamuSmOnline, e.Route);
        Assert.False(e.CategoryUnconfirmed);
    }

    [Fact]
    public void A_family_physician_on_the_roster_applying_as_a_doctor_is_refused_naming_the_roster_category()
    {
        var error = Spec.Refused([], Listed(ExpiredDoctorWet(), StaffCategory.FamilyPhysician), ErrorCodes.CategoryNotRoster);
        Assert.Contains("Aile Hekimi", error.Message);
        Assert.Contains("apply as FamilyPhysician", error.Message);
    }

    [Fact]
    public void Where_the_directorate_flags_the_roster_category_applies_with_its_fee_and_awaits_an_officer()
    {
        var e = Submitted(Listed(ExpiredDoctorWet(Flagging), StaffCategory.FamilyPhysician));

        Assert.Equal(ApplicantCategory.FamilyPhysician, e.Category);
        Assert.Equal(ApplicantCategory.Doctor, e.ClaimedCategory);
        Assert.Equal(780.00m, e.FeeDue);
        Assert.Equal(Flagging.FeeIban.Value, e.FeeIban);
        Assert.True(e.CategoryUnconfirmed);
        var state = Spec.State(e);
        Assert.Equal([Lack.Paper, Lack.Receipt, Lack.CategoryConfirmed], state.Lacks());
        Assert.Equal(Actor.Applicant, ApplicationProgress.Next(state).Who); // the paper first
    }

    [Fact]
    public void The_roster_category_applies_every_rule_a_flagged_family_physician_with_a_valid_NES_must_still_e_sign()
    {
        Spec.Refused([], Listed(Submit(Doctor, Wet, Flagging), StaffCategory.FamilyPhysician), ErrorCodes.FamilyPhysicianMustESign);
    }

    [Theory]
    [InlineData(StaffCategory.OtherStaff, ApplicantCategory.Doctor)]
    [InlineData(StaffCategory.Doctor, ApplicantCategory.Individual)]
    public void Flagging_never_moves_an_application_between_the_directorate_and_Kamu_SM(StaffCategory listed, ApplicantCategory claimed)
    {
        var applicant = Doctor with { Category = claimed };
        Spec.Refused([], Listed(Submit(applicant, Wet, Flagging, notAfter: Now.AddDays(-3)), listed), ErrorCodes.CategoryNotRoster);
    }

    [Fact]
    public void A_person_not_on_the_roster_is_accepted_under_their_own_category_and_flagged()
    {
        var e = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), category: null));
        Assert.Equal(ApplicantCategory.Doctor, e.Category);
        Assert.Null(e.ClaimedCategory);
        Assert.True(e.CategoryUnconfirmed);
        var state = Spec.State(e);
        Assert.Equal([Lack.CategoryConfirmed], state.Lacks());
        Assert.False(state.IsApprovable());
        Assert.Equal(ErrorCodes.NotApprovable, ApplicationDecider.DecisionRefusal(state, Mersin(), OfficerMersin1, OfficerDecision.Approve)!.Code);
        // A rejection needs nothing confirmed.
        Assert.Null(ApplicationDecider.DecisionRefusal(state, Mersin(), OfficerMersin1, OfficerDecision.Reject));
    }

    [Fact]
    public void An_individual_not_on_the_roster_goes_to_Kamu_SM_with_nothing_for_an_officer_to_confirm()
    {
        var e = Submitted(Listed(Submit(Individual, ESignedBy(Individual)), category: null));
        Assert.False(e.CategoryUnconfirmed);
    }

    [Fact]
    public void The_officer_confirms_the_category_and_the_application_becomes_approvable()
    {
        var submitted = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), category: null));

        var events = Spec.Accepted([submitted], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.Doctor, Now));

        var confirmed = Assert.IsType<CategoryConfirmed>(Assert.Single(events));
        Assert.Null(confirmed.FeeDue);
        var state = Spec.State(submitted, confirmed);
        Assert.Empty(state.Lacks());
        Assert.True(state.IsApprovable());
    }

    [Fact]
    public void Confirming_a_family_physician_makes_the_fee_due_and_a_doctor_lifts_it()
    {
        var asDoctor = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), category: null));
        var nowFamilyPhysician = Spec.Accepted([asDoctor], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.FamilyPhysician, Now));
        var fp = Spec.State([asDoctor, .. nowFamilyPhysician]);
        Assert.Equal(ApplicantCategory.FamilyPhysician, fp.Category);
        Assert.Equal(780.00m, fp.FeeDue);
        Assert.Equal([Lack.Receipt], fp.Lacks());

        var flaggedFp = Submitted(Listed(ExpiredDoctorWet(Flagging), StaffCategory.FamilyPhysician));
        var corrected = Spec.Accepted([flaggedFp], new ConfirmCategory(Flagging, OfficerMersin1, ApplicantCategory.Doctor, Now));
        var doctor = Spec.State([flaggedFp, .. corrected]);
        Assert.Null(doctor.FeeDue);
        Assert.Equal([Lack.Paper], doctor.Lacks());
    }

    [Fact]
    public void Confirmation_is_refused_when_there_is_nothing_to_confirm_for_individuals_for_the_applicant_and_outside_the_directorate()
    {
        var confirmedAlready = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), StaffCategory.Doctor));
        Spec.Refused([confirmedAlready], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.Doctor, Now), ErrorCodes.CategoryNotConfirmable);

        var flagged = Submitted(Listed(Submit(Doctor, ESignedBy(Doctor)), category: null));
        Spec.Refused([flagged], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.Individual, Now), ErrorCodes.CategoryNotConfirmable);
        Spec.Refused([flagged], new ConfirmCategory(Adana, OfficerAdana, ApplicantCategory.Doctor, Now), ErrorCodes.WrongTenant);

        var own = Submitted(Listed(Submit(OfficerAsApplicant, ESignedBy(OfficerAsApplicant)), category: null));
        Spec.Refused([own], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.Doctor, Now), ErrorCodes.SelfDecision);
    }

    [Fact]
    public void A_wet_form_with_a_valid_NES_cannot_be_confirmed_as_a_family_physician()
    {
        var wetDoctor = Submitted(Listed(Submit(Doctor, Wet), category: null));
        Spec.Refused([wetDoctor], new ConfirmCategory(Mersin(), OfficerMersin1, ApplicantCategory.FamilyPhysician, Now), ErrorCodes.CategoryNotConfirmable);
    }

    [Theory]
    [InlineData("Aile Hekimi", StaffCategory.FamilyPhysician)]
    [InlineData("AİLE HEKİMİ", StaffCategory.FamilyPhysician)]
    [InlineData("aile_hekimi", StaffCategory.FamilyPhysician)]
    [InlineData("FAMILY_PHYSICIAN", StaffCategory.FamilyPhysician)]
    [InlineData("Yönetici", StaffCategory.Manager)]
    [InlineData("YÖNETİCİ", StaffCategory.Manager)]
    [InlineData("doktor", StaffCategory.Doctor)]
    [InlineData("Diğer Personel", StaffCategory.OtherStaff)]
    [InlineData("OTHER_STAFF", StaffCategory.OtherStaff)]
    public void Categories_are_read_as_HR_files_and_clients_write_them(string text, StaffCategory expected) =>
        Assert.Equal(expected, StaffCategories.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("hemşire")]
    [InlineData("Aile")]
    public void An_unknown_category_is_none(string text) => Assert.Null(StaffCategories.Parse(text));

    [Fact]
    public void The_reminder_stage_reached_is_the_most_advanced_one_and_none_once_expired()
    {
        var stages = ReminderStages.Default;
        Assert.Null(ReminderStages.Reached(Now.AddDays(91), Now, stages));
        Assert.Equal(90, ReminderStages.Reached(Now.AddDays(90), Now, stages));
        Assert.Equal(60, ReminderStages.Reached(Now.AddDays(59.5), Now, stages));
        Assert.Equal(30, ReminderStages.Reached(Now.AddDays(20), Now, stages));
        Assert.Equal(7, ReminderStages.Reached(Now.AddHours(1), Now, stages));
        Assert.Null(ReminderStages.Reached(Now, Now, stages));
        Assert.NotNull(ReminderStages.Problem([]));
        Assert.NotNull(ReminderStages.Problem([90, 0]));
        Assert.NotNull(ReminderStages.Problem([30, 30]));
        Assert.Null(ReminderStages.Problem([14, 3]));
    }
}
