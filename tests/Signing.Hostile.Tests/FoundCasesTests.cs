using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Signing.Contracts.V1;
using Signing.Domain;
using ApplicantCategory = Signing.Contracts.V1.ApplicantCategory;
using Decision = Signing.Contracts.V1.Decision;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Hostile.Tests;

/// <summary>What the generated cases found, each pinned as one plain case (each failed before its fix).</summary>
[Collection(HostileCollection.Name)]
public sealed class FoundCasesTests(HostileWorld world)
{
    private async Task<Google.Rpc.Status> RefusedRaw(string rpcName, byte[] wire, Metadata headers, StatusCode code, string reason, string? field)
    {
        var rpc = RawRpc.All.Single(r => r.Name == rpcName);
        while (world.Server.Logs.Entries.TryDequeue(out _)) { }
        var status = await Rpc.Refused(code, () => world.Invoker.AsyncUnaryCall(rpc.Method, null, new CallOptions(headers), wire).ResponseAsync,
            reason, field);
        Assert.DoesNotContain(world.Server.Logs.Entries, e => e.Level >= LogLevel.Error);
        return status;
    }

    [Theory]
    [InlineData("CertificateService.CreateChallenge", new byte[] { 0x02, 0x00 })] // field number 0
    [InlineData("ApplicationService.Get", new byte[] { 0x0a, 0x7f, 0x41 })] // a length past the end
    [InlineData("ApplicationService.Get", new byte[] { 0x0a, 0x02, 0xc3, 0x28 })] // application_id not UTF-8
    public async Task Bytes_that_are_not_the_request_message_are_INVALID_ARGUMENT_with_details(string rpc, byte[] wire) =>
        await RefusedRaw(rpc, wire, await world.CallerAsync(1), StatusCode.InvalidArgument, ErrorCodes.MessageMalformed, "request");

    [Fact]
    public async Task Nesting_deeper_than_protobuf_allows_is_INVALID_ARGUMENT_with_details()
    {
        var wire = Enumerable.Repeat(new byte[] { 0xc3, 0x3e }, 200).SelectMany(b => b) // field 1000, start group, ×200
            .Concat(Enumerable.Repeat(new byte[] { 0xc4, 0x3e }, 200).SelectMany(b => b)).ToArray();
        await RefusedRaw("ApplicationService.ListMine", wire, await world.CallerAsync(1), StatusCode.InvalidArgument, ErrorCodes.MessageMalformed, "request");
    }

    [Fact]
    public async Task A_request_over_the_transport_cap_is_RESOURCE_EXHAUSTED_with_the_limit()
    {
        var wire = new SubmitWetSignedRequest { ClientRequestId = "big", Form = new ApplicationForm { Institution = new string('x', 5 * 1024 * 1024) } }.ToByteArray();
        var status = await RefusedRaw("ApplicationService.SubmitWetSigned", wire, world.Server.SystemHeaders(), StatusCode.ResourceExhausted, ErrorCodes.MessageTooLarge, null);
        Assert.Equal("1048576", status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["limit"]);
    }

    [Theory]
    [InlineData("a\u0000b")] // PostgreSQL's jsonb cannot store U+0000: this reached the append and was INTERNAL
    [InlineData("iptal\u0007")]
    public async Task Free_text_with_a_control_character_is_INVALID_ARGUMENT_and_stores_nothing(string reason)
    {
        var before = await world.LastEventAsync();
        await RefusedRaw("ApplicationService.Withdraw", new WithdrawRequest { ApplicationId = world.ApplicationIds[0], Reason = reason }.ToByteArray(),
            world.Server.SystemHeaders(), StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "reason");
        await RefusedRaw("DeliveryService.Record", new RecordDeliveryEventRequest
        {
            ApplicationId = world.ApplicationIds[4], Event = DeliveryEvent.Dispatched, TrackingNumber = reason,
        }.ToByteArray(), world.Server.SystemHeaders(), StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "tracking_number");
        Assert.Equal(before, await world.LastEventAsync());
    }

    [Fact]
    public async Task An_undefined_decision_is_INVALID_ARGUMENT() =>
        await RefusedRaw("ApprovalService.GetDecisionDocument",
            new GetDecisionDocumentRequest { ApplicationId = world.ApplicationIds[3], Decision = (Decision)7 }.ToByteArray(),
            await world.CallerAsync(2), StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "decision");

    [Theory]
    [InlineData(long.MaxValue, 0)]
    [InlineData(0, -1)]
    [InlineData(253_402_300_800, 0)]
    public async Task A_not_after_that_is_no_date_is_INVALID_ARGUMENT(long seconds, int nanos) =>
        await RefusedRaw("CertificateService.GetRenewalGuidance",
            new GetRenewalGuidanceRequest { Category = ApplicantCategory.Doctor, NotAfter = new Timestamp { Seconds = seconds, Nanos = nanos } }.ToByteArray(),
            [], StatusCode.InvalidArgument, ErrorCodes.InvalidArgument, "not_after");
}

/// <summary>One server for the whole hostile suite: its start (database, tokens, applications in every state) is the slow part.</summary>
[CollectionDefinition(Name)]
public sealed class HostileCollection : ICollectionFixture<HostileWorld>
{
    public const string Name = "hostile";
}
