using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// Idempotency and replays over the real server (group commit on, as configured): a retry matches its caller and its
/// signed bytes, and signed material (an e-Onay confirmation, a signed form) makes one application only, even after a
/// withdrawal. Every refusal here writes nothing.
/// </summary>
public sealed class ReplayTests(SigningServer server) : IClassFixture<SigningServer>
{
    private readonly ApplicationService.ApplicationServiceClient _client = server.Applications();

    [Fact]
    public async Task Two_applicants_with_the_same_request_id_each_get_their_own_application_and_see_nothing_of_the_other()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var manager = await server.SignInAsync("manager");
        var requestId = "shared-" + Guid.NewGuid().ToString("N");
        var doctorForm = Cards.Form("doctor", tenant, ApplicantCategory.Doctor);
        var managerForm = Cards.Form("manager", tenant, ApplicantCategory.Manager);

        var first = await _client.SubmitESignedAsync(Cards.ESigned("doctor", doctorForm, requestId), doctor);
        var second = await _client.SubmitESignedAsync(Cards.ESigned("manager", managerForm, requestId), manager);

        Assert.False(second.Replayed);
        Assert.NotEqual(first.Application.Id, second.Application.Id);
        Assert.NotEqual(first.Application.Code, second.Application.Code);
        Assert.Equal("319********", second.Application.TcknMasked);
        Assert.Equal(ApplicantCategory.Manager, second.Application.Category);
        // The receipt pairs the manager's own form with the manager's own application.
        Scenario.VerifyReceipt(second.Receipt, second.Application.Id, Scenario.Sha256Hex(Cards.Json(managerForm)));
        Assert.DoesNotContain(first.Application.Id, second.ToString());
        // The system client's namespace is its own too.
        var wet = Scenario.SyntheticForm(Scenario.SyntheticTckn(), tenant);
        var bySystem = await _client.SubmitWetSignedAsync(new SubmitWetSignedRequest { Form = wet, ClientRequestId = requestId }, server.SystemHeaders());
        Assert.False(bySystem.Replayed);
        Assert.NotEqual(first.Application.Id, bySystem.Application.Id);
    }

    [Fact]
    public async Task The_same_caller_reusing_a_request_id_for_other_content_is_ALREADY_EXISTS_and_reveals_nothing()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var requestId = Guid.NewGuid().ToString("N");
        var form = Cards.Form("doctor", tenant, ApplicantCategory.Doctor);
        var first = await _client.SubmitESignedAsync(Cards.ESigned("doctor", form, requestId), doctor);
        var before = await EventCount();

        var other = form.Clone();
        other.DeliveryAddress = "Başka Mah. 2. Sok. No:2, Tarsus/Mersin";
        var status = await Rpc.Refused(StatusCode.AlreadyExists, () => _client.SubmitESignedAsync(Cards.ESigned("doctor", other, requestId), doctor),
            "submission.request_id_reused");

        Assert.Equal(before, await EventCount());
        var everything = status.ToString();
        Assert.DoesNotContain(first.Application.Id, everything);
        Assert.DoesNotContain(first.Application.Code, everything);
        Assert.DoesNotContain("existing_application_id", everything);
        // A genuine retry (same caller, same id, same signed bytes) is still a replay.
        var retry = await _client.SubmitESignedAsync(Cards.ESigned("doctor", form, requestId), doctor);
        Assert.True(retry.Replayed);
        Assert.Equal(first.Application.Id, retry.Application.Id);
    }

    [Fact]
    public async Task An_e_Onay_confirmation_used_once_is_refused_after_a_withdrawal_until_a_new_one_is_given()
    {
        var tenant = server.NewTenant();
        var doctor = await server.SignInAsync("doctor");
        var json = Cards.Json(Cards.Form("doctor", tenant, ApplicantCategory.Doctor));
        var confirmation = Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(json));
        SubmitWithEOnayRequest Request(byte[] eonay) => new()
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(eonay),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        };
        var first = (await _client.SubmitWithEOnayAsync(Request(confirmation), doctor)).Application;
        await _client.WithdrawAsync(new WithdrawRequest { ApplicationId = first.Id, Reason = "Vazgeçtim", ExpectedVersion = first.Version }, doctor);
        var before = await EventCount();

        var status = await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitWithEOnayAsync(Request(confirmation), doctor),
            "submission.signed_material_reused");
        Assert.Contains("e-Onay", status.Message);
        // The system client (the portal) cannot replay it either.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(confirmation),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, server.SystemHeaders()), "submission.signed_material_reused");
        Assert.Equal(before, await EventCount());

        var renewed = await _client.SubmitWithEOnayAsync(Request(Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(json))), doctor);
        Assert.Equal("AWAITING_APPROVAL", renewed.Application.Status);
        Assert.NotEqual(first.Id, renewed.Application.Id);
    }

    [Fact]
    public async Task A_signed_form_used_once_is_refused_after_a_withdrawal_until_it_is_signed_again()
    {
        var tenant = server.NewTenant();
        var manager = await server.SignInAsync("manager");
        var request = Cards.ESigned("manager", Cards.Form("manager", tenant, ApplicantCategory.Manager));
        var first = (await _client.SubmitESignedAsync(request, manager)).Application;
        await _client.WithdrawAsync(new WithdrawRequest { ApplicationId = first.Id, Reason = "Vazgeçtim", ExpectedVersion = first.Version }, manager);
        var before = await EventCount();

        var replayed = request.Clone();
        replayed.ClientRequestId = Guid.NewGuid().ToString("N");
        var status = await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.SubmitESignedAsync(replayed, manager), "submission.signed_material_reused");
        Assert.Contains("sign the form again", status.Message);
        Assert.Equal(before, await EventCount());

        // Signed again (a later signing time makes new signed attributes): accepted.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var again = await _client.SubmitESignedAsync(Cards.ESigned("manager", Cards.Form("manager", tenant, ApplicantCategory.Manager)), manager);
        Assert.NotEqual(first.Id, again.Application.Id);
    }

    [Fact]
    public async Task One_signed_form_sent_at_once_under_many_request_ids_is_accepted_exactly_once_never_INTERNAL()
    {
        var doctor = await server.SignInAsync("doctor-ecdsa");
        // One form signed once; each copy sent at the same time under its own request id (group commit batches them).
        var signed = Cards.ESigned("doctor-ecdsa", Cards.Form("doctor-ecdsa", server.NewTenant(), ApplicantCategory.Doctor));
        var before = await EventCount();

        var calls = Enumerable.Range(0, 12).Select(async _ =>
        {
            var copy = signed.Clone();
            copy.ClientRequestId = Guid.NewGuid().ToString("N");
            try
            {
                await _client.SubmitESignedAsync(copy, doctor);
                return (StatusCode.OK, "");
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "");
            }
        }).ToList();
        var outcomes = await Task.WhenAll(calls);

        Assert.Single(outcomes, o => o.Item1 == StatusCode.OK);
        // The rest meet the open renewal or the spent signature, whichever their batch saw first; never INTERNAL.
        Assert.All(outcomes.Where(o => o.Item1 != StatusCode.OK), o => Assert.Contains(o.Item2,
            new[] { "submission.signed_material_reused", "application.open_renewal_exists" }));
        Assert.Equal(before + 1, await EventCount());
    }

    private Task<long> EventCount() => Events.CountAsync(server);
}

/// <summary>Counts what a refused call must not change.</summary>
internal static class Events
{
    /// <summary>Application events in the server's store; Marten's tombstones (left by a transaction that lost a race) are no application's.</summary>
    public static async Task<long> CountAsync(SigningServer server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from signing.mt_events where type <> 'tombstone'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
