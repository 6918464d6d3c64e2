using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// The acceptance points of the API over real sockets: REST next to gRPC, and the documented statuses (with details,
/// without stack traces in the log) for an oversized message, garbage CMS, a wrong TCKN and an unauthenticated call.
/// </summary>
public sealed class LiveSocketTests(LiveSigningServer server) : IClassFixture<LiveSigningServer>
{
    private ApplicationService.ApplicationServiceClient Applications => new(server.Channel);

    [Fact]
    public async Task Curl_style_REST_reads_an_application_as_JSON_on_the_HTTP1_port()
    {
        var tenant = server.NewTenant();
        var headers = await server.SignInAsync("doctor");
        var submitted = await Applications.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), headers);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}"), DefaultRequestVersion = HttpVersion.Version11 };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/applications/" + submitted.Application.Id);
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(headers.GetValue("authorization")!);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(submitted.Application.Id, json.RootElement.GetProperty("id").GetString());
        Assert.Equal("AWAITING_APPROVAL", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("123********", json.RootElement.GetProperty("tcknMasked").GetString());

        // Without the bearer token the same URL is refused, as gRPC would refuse it.
        using var anonymous = await http.GetAsync("/v1/applications/" + submitted.Application.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var error = await anonymous.Content.ReadAsStringAsync();
        Assert.Contains("NOT_SIGNED_IN", error);
        Assert.Contains("tr-TR", error);
    }

    [Fact]
    public async Task REST_creates_a_challenge_without_sign_in()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}") };
        using var response = await http.PostAsync("/v1/challenges", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(32, Convert.FromBase64String(json.RootElement.GetProperty("nonce").GetString()!).Length);
    }

    [Fact]
    public async Task An_oversized_message_is_RESOURCE_EXHAUSTED_with_the_limit_in_the_details()
    {
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFrom(new byte[1_200_000]), ClientRequestId = "big" };
        var status = await Rpc.Refused(StatusCode.ResourceExhausted, () => Applications.SubmitESignedAsync(request, server.SystemHeaders()), "MESSAGE_TOO_LARGE");
        var info = status.GetDetail<ErrorInfo>()!;
        Assert.Equal("1048576", info.Metadata["limit"]);
        Assert.True(int.Parse(info.Metadata["size"]) > 1_200_000);
        AssertQuietLog("MESSAGE_TOO_LARGE");
    }

    [Fact]
    public async Task A_message_beyond_the_transport_cap_is_RESOURCE_EXHAUSTED_too()
    {
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFrom(new byte[5 * 1024 * 1024]), ClientRequestId = "huge" };
        var e = await Assert.ThrowsAsync<RpcException>(() => Applications.SubmitESignedAsync(request, server.SystemHeaders()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Garbage_CMS_is_INVALID_ARGUMENT_naming_the_cms_field()
    {
        var request = new SubmitESignedRequest { Cms = ByteString.CopyFromUtf8("this is not a signature"), ClientRequestId = "garbage" };
        await Rpc.Refused(StatusCode.InvalidArgument, () => Applications.SubmitESignedAsync(request, server.SystemHeaders()), "CMS_UNREADABLE", "cms");
        AssertQuietLog("CMS_UNREADABLE");
    }

    [Fact]
    public async Task A_form_with_an_invalid_TCKN_is_INVALID_ARGUMENT_naming_form_tckn()
    {
        var form = Cards.Form("doctor", server.NewTenant(), ApplicantCategory.Doctor);
        form.Tckn = "12345678901"; // fails the checksum
        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => Applications.SubmitESignedAsync(Cards.ESigned("doctor", form), server.SystemHeaders()), "INVALID_ARGUMENT", "form.tckn");
        Assert.DoesNotContain("12345678901", status.Message);
    }

    [Fact]
    public async Task A_form_for_another_persons_TCKN_is_refused_as_not_yours_or_not_signed_by_the_applicant()
    {
        var tenant = server.NewTenant();
        var form = Cards.Form("manager", tenant, ApplicantCategory.Manager);
        var doctor = await server.SignInAsync("doctor");
        // The doctor, signed in, sends the manager's form: not theirs.
        await Rpc.Refused(StatusCode.PermissionDenied, () => Applications.SubmitESignedAsync(Cards.ESigned("doctor", form), doctor), "FORM_NOT_YOURS");
        // The portal sends the manager's form signed by the doctor: the signer is not the applicant.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => Applications.SubmitESignedAsync(Cards.ESigned("doctor", form), server.SystemHeaders()),
            "confirmation.signer_not_applicant");
    }

    [Fact]
    public async Task An_unauthenticated_call_is_UNAUTHENTICATED_and_says_how_to_sign_in()
    {
        var status = await Rpc.Refused(StatusCode.Unauthenticated,
            () => Applications.ListMineAsync(new ListMineRequest()), "NOT_SIGNED_IN");
        Assert.Contains("SignIn", status.Message);
        AssertQuietLog("NOT_SIGNED_IN");
    }

    [Fact]
    public async Task A_deadline_cancels_the_database_query_and_answers_DEADLINE_EXCEEDED()
    {
        var tenant = server.NewTenant();
        var headers = await server.SignInAsync("doctor");
        var submitted = await Applications.SubmitESignedAsync(Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), headers);

        // Hold a lock that the read must wait for; the deadline must end the wait inside PostgreSQL, not just at the client.
        await using var blocker = new NpgsqlConnection(server.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await using (var lockView = new NpgsqlCommand("lock table signing.mt_doc_applicationview in access exclusive mode", blocker, tx))
            await lockView.ExecuteNonQueryAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => Applications.GetAsync(
            new GetApplicationRequest { ApplicationId = submitted.Application.Id }, headers, DateTime.UtcNow.AddMilliseconds(700)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);

        // The server's query was cancelled: nothing of ours is left waiting on the lock.
        await using var probe = new NpgsqlConnection(server.ConnectionString);
        await probe.OpenAsync();
        var waiting = -1L;
        for (var i = 0; i < 50 && waiting != 0; i++)
        {
            await using var count = new NpgsqlCommand(
                "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()", probe);
            waiting = (long)(await count.ExecuteScalarAsync())!;
            if (waiting != 0)
                await Task.Delay(100);
        }
        Assert.Equal(0, waiting);
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task The_server_log_never_holds_a_full_TCKN()
    {
        var tenant = server.NewTenant();
        var headers = await server.SignInAsync("doctor-ecdsa");
        await Applications.SubmitESignedAsync(Cards.ESigned("doctor-ecdsa", Cards.Form("doctor-ecdsa", tenant, ApplicantCategory.Doctor)), headers);
        var tckn = Cards.Tckn("doctor-ecdsa");
        var lines = server.Logs.Entries.Select(e => e.Message + " " + e.Exception).ToList();
        Assert.Contains(lines, l => l.Contains(Signing.Domain.Tckn.Mask(tckn)));
        Assert.DoesNotContain(lines, l => l.Contains(tckn));
    }

    /// <summary>The refusal was logged as one informational line, and nothing was logged with a stack trace.</summary>
    private void AssertQuietLog(string reason)
    {
        var entries = server.Logs.Entries.ToList();
        Assert.Contains(entries, e => e.Message.Contains(reason) && e.Level == LogLevel.Information && e.Exception is null);
        Assert.DoesNotContain(entries, e => e.Exception is not null && e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(entries, e => e.Message.Contains("   at ", StringComparison.Ordinal));
    }
}
