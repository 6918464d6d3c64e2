using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Signing.Domain;
using Status = Google.Rpc.Status;

namespace Signing.Server.Errors;

/// <summary>
/// The one place where failures become gRPC statuses with google.rpc details (ErrorInfo, BadRequest,
/// PreconditionFailure, LocalizedMessage tr-TR, or English when the caller's accept-language asks for it).
/// Expected refusals are logged as one line without a stack trace; anything else is a bug and is logged in
/// full, answered INTERNAL without internals.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger, IEnumerable<IErrorTranslator> translators, RequestLimits limits) : Interceptor
{
    public const string Domain = "esign.v1";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            limits.Check(request);
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            limits.Check(request);
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(new CheckedReader<TRequest>(requestStream, limits), context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Translate(e, context);
        }
    }

    /// <summary>Each message of a client stream is held to the same size limit as a unary request.</summary>
    private sealed class CheckedReader<T>(IAsyncStreamReader<T> inner, RequestLimits limits) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
                return false;
            limits.Check(inner.Current!);
            return true;
        }
    }

    private RpcException Translate(Exception e, ServerCallContext context)
    {
        var error = e as ServiceError ?? translators.Select(t => t.Translate(e)).FirstOrDefault(x => x is not null);
        if (error is null && e is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            error = context.Deadline < DateTime.UtcNow
                ? ServiceError.FromCatalogue(StatusCode.DeadlineExceeded, ErrorCodes.DeadlineExceeded)
                : ServiceError.FromCatalogue(StatusCode.Cancelled, ErrorCodes.Cancelled);
        }
        if (error is null)
        {
            logger.LogError(e, "{Method} failed unexpectedly", context.Method);
            error = ServiceError.FromCatalogue(StatusCode.Internal, ErrorCodes.Internal);
        }
        else
        {
            logger.LogInformation("{Method} refused: {Code} {Reason}: {Message}", context.Method, error.Code, error.Reason, error.Message);
        }
        return ToRpcException(error, WantsEnglish(context));
    }

    /// <summary>LocalizedMessage is Turkish unless the caller's accept-language puts English first.</summary>
    public static bool WantsEnglish(ServerCallContext context) =>
        context.RequestHeaders.GetValue("accept-language") is { } language
        && language.TrimStart().StartsWith("en", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The status a refusal leaves the server as. Every text and metadata value in it has each TCKN masked
    /// (<see cref="Tckn.MaskAll"/>): a refusal's message may quote a verifier's reason or a caller's input, and the status is
    /// logged by clients and proxies.
    /// </summary>
    public static RpcException ToRpcException(ServiceError error, bool english = false)
    {
        var info = new ErrorInfo { Reason = error.Reason, Domain = Domain };
        foreach (var (k, v) in error.Metadata)
            info.Metadata[k] = Tckn.MaskAll(v);
        var message = Tckn.MaskAll(error.Message);
        var status = new Status
        {
            Code = (int)error.Code,
            Message = message,
            Details = { Any.Pack(info), Any.Pack(english
                ? new LocalizedMessage { Locale = "en-US", Message = message }
                : new LocalizedMessage { Locale = "tr-TR", Message = Tckn.MaskAll(error.MessageTr) }) },
        };
        if (error.Fields.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(error.Fields.Select(f =>
                new BadRequest.Types.FieldViolation { Field = f.Field, Description = Tckn.MaskAll(f.Description) }));
            status.Details.Add(Any.Pack(badRequest));
        }
        if (error.Preconditions.Count > 0)
        {
            var failure = new PreconditionFailure();
            failure.Violations.AddRange(error.Preconditions.Select(p =>
                new PreconditionFailure.Types.Violation { Type = p.Type, Subject = Tckn.MaskAll(p.Subject), Description = Tckn.MaskAll(p.Description) }));
            status.Details.Add(Any.Pack(failure));
        }
        if (error.RetryAfter is { } retry)
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        return status.ToRpcException();
    }
}

/// <summary>Turns an exception of a lower layer (domain, store, tokens) into a ServiceError, or null if it is not its kind.</summary>
public interface IErrorTranslator
{
    ServiceError? Translate(Exception exception);
}

/// <summary>
/// The largest request the services accept. The transport has a higher hard cap (its refusal carries no details);
/// between the two, the caller learns the limit and the size in ErrorInfo metadata.
/// </summary>
public sealed class RequestLimits(int maxMessageBytes)
{
    public int MaxMessageBytes { get; } = maxMessageBytes;

    public void Check(object request)
    {
        if (request is not Google.Protobuf.IMessage message)
            return;
        var size = message.CalculateSize();
        if (size > MaxMessageBytes)
            throw TooLarge(size);
    }

    public ServiceError TooLarge(long size) =>
        new(StatusCode.ResourceExhausted, ErrorCodes.MessageTooLarge,
            $"the request is {size} bytes; this server accepts at most {MaxMessageBytes} (forms are tens of KB, a scanned receipt a few hundred)",
            $"istek {size} bayt; bu sunucu en çok {MaxMessageBytes} bayt kabul eder",
            metadata: new Dictionary<string, string> { ["size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["limit"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) });
}
