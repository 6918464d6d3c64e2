using Google.Rpc;
using Grpc.Core;
using Signing.Domain;
using Signing.Server.Errors;
using Signing.Server.Receipts;
using Signing.Store;

namespace Signing.Server.Tests;

/// <summary>What a caller sees when the server sheds load or cannot know whether its submission was stored.</summary>
public sealed class OverloadMappingTests
{
    private readonly OverloadErrorTranslator _translator = new();

    [Fact]
    public void A_full_submission_queue_is_UNAVAILABLE_OVERLOADED_with_a_short_RetryInfo_and_the_queue_named()
    {
        var status = Status(new StoreOverloadedException(2048));
        Assert.Equal((int)StatusCode.Unavailable, status.Code);
        var info = status.GetDetail<ErrorInfo>()!;
        Assert.Equal(ErrorCodes.Overloaded, info.Reason);
        Assert.Equal("submissions", info.Metadata["queue"]);
        Assert.Equal("2048", info.Metadata["limit"]);
        var retry = status.GetDetail<RetryInfo>()!;
        Assert.Equal(OverloadErrorTranslator.RetryAfterOverload, retry.RetryDelay.ToTimeSpan());
        Assert.Equal("tr-TR", status.GetDetail<LocalizedMessage>()!.Locale);
    }

    [Fact]
    public void A_full_receipt_queue_is_OVERLOADED_too()
    {
        var status = Status(new ReceiptQueueFullException(4096));
        Assert.Equal((int)StatusCode.Unavailable, status.Code);
        Assert.Equal("receipts", status.GetDetail<ErrorInfo>()!.Metadata["queue"]);
    }

    [Fact]
    public void An_unknown_outcome_is_UNAVAILABLE_OUTCOME_UNKNOWN_and_tells_the_caller_to_retry_with_the_same_request_id()
    {
        var status = Status(new CommitOutcomeUnknownException("the commit did not finish within the commit timeout"));
        Assert.Equal((int)StatusCode.Unavailable, status.Code);
        Assert.Equal(ErrorCodes.OutcomeUnknown, status.GetDetail<ErrorInfo>()!.Reason);
        Assert.Contains("same request id", status.Message);
        Assert.NotNull(status.GetDetail<RetryInfo>());
    }

    [Fact]
    public void Other_failures_are_not_this_translators()
    {
        Assert.Null(_translator.Translate(new InvalidOperationException("x")));
    }

    private Google.Rpc.Status Status(Exception e)
    {
        var error = _translator.Translate(e);
        Assert.NotNull(error);
        return ErrorInterceptor.ToRpcException(error!).GetRpcStatus()!;
    }
}
