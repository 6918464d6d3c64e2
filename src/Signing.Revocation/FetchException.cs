namespace Signing.Revocation;

/// <summary>Why a fetch of revocation data or a timestamp was refused; each has its own, so health and logs can say which.</summary>
public enum FetchFailure
{
    /// <summary>No URL to ask: the certificate names no responder or distribution point and none is configured.</summary>
    NoUrl,
    /// <summary>The connection failed (refused, reset, DNS).</summary>
    Network,
    /// <summary>No complete answer within the timeout.</summary>
    Timeout,
    /// <summary>An HTTP status other than 200.</summary>
    HttpStatus,
    /// <summary>A Content-Type other than the protocol's.</summary>
    ContentType,
    /// <summary>A body larger than the configured limit.</summary>
    TooLarge,
    /// <summary>A body that does not parse as the protocol's structure.</summary>
    Malformed,
    /// <summary>OCSP responseStatus other than successful (malformedRequest, internalError, tryLater, sigRequired, unauthorized).</summary>
    ResponderStatus,
    /// <summary>A nonce was sent and the response carries none (and a missing nonce is not tolerated).</summary>
    NonceMissing,
    /// <summary>A nonce was sent and the response carries another one: a replay or a mixed-up answer.</summary>
    NonceMismatch,
    /// <summary>The engine's judgement (signer, certID, freshness) refused the response.</summary>
    Refused,
    /// <summary>A timestamp reply whose status is not granted, or that does not answer the request (nonce, imprint).</summary>
    TimestampRejected,
}

/// <summary>A fetch that gave nothing usable, with the URL asked and the reason.</summary>
public sealed class FetchException(FetchFailure failure, string url, string message, Exception? inner = null)
    : Exception($"{url}: {message}", inner)
{
    public FetchFailure Failure { get; } = failure;
    public string Url { get; } = url;
    /// <summary>The reason without the URL.</summary>
    public string Reason { get; } = message;
}
