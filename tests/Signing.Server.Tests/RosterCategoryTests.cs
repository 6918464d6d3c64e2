using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using ApplicantCategory = Signing.Contracts.V1.ApplicantCategory;
using StaffCategory = Signing.Domain.StaffCategory;

namespace Signing.Server.Tests;

/// <summary>
/// Mersin flags a category the staff list does not confirm; the scratch directorates refuse it (the default). A server of
/// its own: a directorate with a roster checks every applicant against it, which no other suite expects.
/// </summary>
public sealed class FlaggingServer : SigningServer
{
    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:Tenants:0:CategoryCheck"] = "Flag";
}

/// <summary>A submission's category against the directorate's staff list, over gRPC: refused or flagged, and the fee follows the roster.</summary>
public sealed class RosterCategoryTests(FlaggingServer server) : IClassFixture<FlaggingServer>
{
    private const string Mersin = "33";

    private async Task ListAsync(string tenant, string tckn, StaffCategory category, bool active = true)
    {
        using var documents = SigningStore.CreateDocumentStore(server.ConnectionString);
        await using var session = documents.LightweightSession(tenant);
        session.Store(new RosterMember { Id = tckn, Name = "Deneme Kişi", Category = category, Institution = "Test ASM", Active = active });
        await session.SaveChangesAsync();
    }

    private static SubmitWetSignedRequest Wet(string tckn, string tenant, ApplicantCategory category) =>
        new() { Form = Scenario.SyntheticForm(tckn, tenant, category), ClientRequestId = Guid.NewGuid().ToString("N") };

    private async Task<int> StoredApplicationsAsync(string tenant, string tckn)
    {
        using var documents = SigningStore.CreateDocumentStore(server.ConnectionString);
        await using var session = documents.QuerySession(tenant);
        return await Marten.QueryableExtensions.CountAsync(session.Query<ApplicationView>(), v => v.ApplicantTckn == tckn);
    }

    [Fact]
    public async Task A_family_physician_on_the_roster_who_applies_as_a_doctor_is_refused_naming_the_roster_category_and_nothing_is_stored()
    {
        var tenant = server.NewTenant();
        var tckn = Scenario.SyntheticTckn();
        await ListAsync(tenant, tckn, StaffCategory.FamilyPhysician);

        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => server.Applications().SubmitWetSignedAsync(Wet(tckn, tenant, ApplicantCategory.Doctor), server.SystemHeaders()),
            reason: ErrorCodes.CategoryNotRoster, field: "form.category");

        Assert.Contains("Aile Hekimi", status.Message);
        Assert.Contains("FamilyPhysician", status.Message);
        Assert.Equal(0, await StoredApplicationsAsync(tenant, tckn));
    }

    [Fact]
    public async Task In_a_directorate_that_refuses_the_matching_category_and_a_person_not_on_the_roster_are_accepted_the_latter_flagged()
    {
        var tenant = server.NewTenant();
        var listed = Scenario.SyntheticTckn();
        await ListAsync(tenant, listed, StaffCategory.Manager);

        var matching = await server.Applications().SubmitWetSignedAsync(Wet(listed, tenant, ApplicantCategory.Manager), server.SystemHeaders());
        Assert.Equal(["PAPER"], matching.Application.Lacks);
        Assert.Equal(ApplicantCategory.Unspecified, matching.Application.ClaimedCategory);

        var stranger = await server.Applications().SubmitWetSignedAsync(Wet(Scenario.SyntheticTckn(), tenant, ApplicantCategory.Doctor), server.SystemHeaders());
        Assert.Equal(["PAPER", "CATEGORY_CONFIRMED"], stranger.Application.Lacks);
        Assert.Equal(ApplicantCategory.Doctor, stranger.Application.Category);
    }

    [Fact]
    public async Task A_deactivated_person_counts_as_not_on_the_roster()
    {
        var tenant = server.NewTenant();
        var tckn = Scenario.SyntheticTckn();
        await ListAsync(tenant, tckn, StaffCategory.FamilyPhysician, active: false);

        var response = await server.Applications().SubmitWetSignedAsync(Wet(tckn, tenant, ApplicantCategory.Doctor), server.SystemHeaders());

        Assert.Equal(ApplicantCategory.Doctor, response.Application.Category);
        Assert.Contains("CATEGORY_CONFIRMED", response.Application.Lacks);
    }

    [Fact]
    public async Task A_directorate_without_a_roster_takes_the_category_as_given()
    {
        var response = await server.Applications().SubmitWetSignedAsync(
            Wet(Scenario.SyntheticTckn(), server.NewTenant(), ApplicantCategory.Doctor), server.SystemHeaders());

        Assert.Equal(["PAPER"], response.Application.Lacks);
    }

    [Fact]
    public async Task Where_the_directorate_flags_the_family_physician_is_accepted_under_the_roster_category_with_the_fee_until_an_officer_confirms()
    {
        var tckn = Scenario.SyntheticTckn();
        await ListAsync(Mersin, tckn, StaffCategory.FamilyPhysician);
        var officer = await server.SignInAsync("officer-mersin-1");

        var submitted = (await server.Applications().SubmitWetSignedAsync(Wet(tckn, Mersin, ApplicantCategory.Doctor), server.SystemHeaders())).Application;

        Assert.Equal(ApplicantCategory.FamilyPhysician, submitted.Category);
        Assert.Equal(ApplicantCategory.Doctor, submitted.ClaimedCategory);
        // The fee rule follows the roster: the receipt is owed, as for any family physician.
        Assert.Equal(["PAPER", "RECEIPT", "CATEGORY_CONFIRMED"], submitted.Lacks);

        var registered = await server.Approvals().RegisterPaperFormAsync(
            new RegisterPaperFormRequest { ApplicationId = submitted.Id, Copies = 2, ExpectedVersion = submitted.Version }, officer);
        var queued = await server.Approvals().ListQueueAsync(new ListQueueRequest { Lacks = "CATEGORY_CONFIRMED", Page = new PageRequest { PageSize = 200 } }, officer);
        Assert.Contains(queued.Items, i => i.ApplicationId == submitted.Id);

        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => server.Approvals().GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = submitted.Id, Decision = Signing.Contracts.V1.Decision.Approve }, officer),
            reason: ErrorCodes.NotApprovable);

        var confirmed = await server.Approvals().ConfirmCategoryAsync(new ConfirmCategoryRequest
        {
            ApplicationId = submitted.Id, Category = ApplicantCategory.FamilyPhysician, ExpectedVersion = registered.Version,
        }, officer);
        Assert.Equal(["RECEIPT"], confirmed.Lacks);
        Assert.Contains(confirmed.History, h => h.Event == "category_confirmed");

        // Settled once: a second confirmation has nothing to settle.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => server.Approvals().ConfirmCategoryAsync(new ConfirmCategoryRequest
        {
            ApplicationId = submitted.Id, Category = ApplicantCategory.Doctor,
        }, officer), reason: ErrorCodes.CategoryNotConfirmable);
    }

    [Fact]
    public async Task An_officer_who_corrects_the_category_to_doctor_lifts_the_fee()
    {
        var tckn = Scenario.SyntheticTckn();
        await ListAsync(Mersin, tckn, StaffCategory.FamilyPhysician);
        var officer = await server.SignInAsync("officer-mersin-1");
        var submitted = (await server.Applications().SubmitWetSignedAsync(Wet(tckn, Mersin, ApplicantCategory.Doctor), server.SystemHeaders())).Application;

        var confirmed = await server.Approvals().ConfirmCategoryAsync(
            new ConfirmCategoryRequest { ApplicationId = submitted.Id, Category = ApplicantCategory.Doctor }, officer);

        Assert.Equal(ApplicantCategory.Doctor, confirmed.Category);
        Assert.Equal(["PAPER"], confirmed.Lacks);
    }

    [Fact]
    public async Task Flagging_never_moves_an_application_between_the_directorate_and_Kamu_SM()
    {
        var tckn = Scenario.SyntheticTckn();
        await ListAsync(Mersin, tckn, StaffCategory.OtherStaff);

        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => server.Applications().SubmitWetSignedAsync(Wet(tckn, Mersin, ApplicantCategory.Manager), server.SystemHeaders()),
            reason: ErrorCodes.CategoryNotRoster, field: "form.category");
        Assert.Contains("Diğer Personel", status.Message);
    }

    [Fact]
    public async Task Confirming_a_category_is_for_the_directorates_officers_with_a_category_the_queue_can_take()
    {
        await ListAsync(Mersin, Scenario.SyntheticTckn(), StaffCategory.Doctor);
        var officer = await server.SignInAsync("officer-mersin-1");
        var submitted = (await server.Applications().SubmitWetSignedAsync(
            Wet(Scenario.SyntheticTckn(), Mersin, ApplicantCategory.Manager), server.SystemHeaders())).Application;
        Assert.Contains("CATEGORY_CONFIRMED", submitted.Lacks); // Mersin keeps a roster; this applicant is not on it

        await Rpc.Refused(StatusCode.InvalidArgument, () => server.Approvals().ConfirmCategoryAsync(
            new ConfirmCategoryRequest { ApplicationId = submitted.Id }, officer), field: "category");
        await Rpc.Refused(StatusCode.FailedPrecondition, () => server.Approvals().ConfirmCategoryAsync(
            new ConfirmCategoryRequest { ApplicationId = submitted.Id, Category = ApplicantCategory.Individual }, officer),
            reason: ErrorCodes.CategoryNotConfirmable);
        await Rpc.Refused(StatusCode.PermissionDenied, () => server.Approvals().ConfirmCategoryAsync(
            new ConfirmCategoryRequest { ApplicationId = submitted.Id, Category = ApplicantCategory.Manager }, server.SystemHeaders()));
    }
}
