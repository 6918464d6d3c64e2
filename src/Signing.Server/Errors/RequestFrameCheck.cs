using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Signing.Domain;

namespace Signing.Server.Errors;

/// <summary>
/// Reads each esign.v1 gRPC request before gRPC does and refuses, with the same details as every other refusal, what
/// gRPC would answer without them: a message over the size limit (the transport's refusal has no details) and bytes that
/// are not the method's message (gRPC parses them outside the interceptors, so they became UNKNOWN and an error log).
/// Every esign.v1 call sends exactly one request message, so the whole body is one frame.
/// </summary>
public sealed class RequestFrameCheck(RequestDelegate next, RequestLimits limits, ILogger<RequestFrameCheck> logger)
{
    private const int FrameHeader = 5;

    private static readonly Dictionary<string, MessageParser> Parsers = new[]
        {
            Contracts.V1.CertificateService.Descriptor, Contracts.V1.SessionService.Descriptor, Contracts.V1.ApplicationService.Descriptor,
            Contracts.V1.ApprovalService.Descriptor, Contracts.V1.DeliveryService.Descriptor,
        }
        .SelectMany(s => s.Methods)
        .Where(m => !m.IsClientStreaming)
        .ToDictionary(m => $"/{m.Service.FullName}/{m.Name}", m => m.InputType.Parser, StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!(context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) ?? false)
            || !Parsers.TryGetValue(context.Request.Path.Value ?? "", out var parser))
        {
            await next(context);
            return;
        }
        var header = new byte[FrameHeader];
        var got = await ReadAsync(context.Request.Body, header, context.RequestAborted);
        var length = got == FrameHeader ? BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1)) : 0;
        if (got == FrameHeader && length > limits.MaxMessageBytes)
        {
            await RefuseAsync(context, limits.TooLarge(length));
            return;
        }
        var message = new byte[length];
        var read = got == FrameHeader ? await ReadAsync(context.Request.Body, message, context.RequestAborted) : 0;
        var trailing = await ReadAsync(context.Request.Body, new byte[1], context.RequestAborted);
        string? problem = got switch
        {
            0 => null, // no message at all: gRPC's own answer (the request is empty) is kept
            < FrameHeader => "the request ends inside the gRPC frame header",
            _ when read < length => $"the frame announces {length} bytes; {read} came",
            _ when trailing > 0 => "more bytes follow the one request message",
            _ when header[0] != 0 => null, // compressed: gRPC decompresses and parses it
            _ => Parse(parser, message),
        };
        if (problem is not null)
        {
            await RefuseAsync(context, new ServiceError(StatusCode.InvalidArgument, ErrorCodes.MessageMalformed,
                "request: " + problem, "istek: geçerli bir protobuf iletisi değil",
                [new FieldViolation("request", problem, "geçerli bir protobuf iletisi değil")]));
            return;
        }
        context.Request.Body = new MemoryStream([.. header.AsSpan(0, got), .. message.AsSpan(0, read)], writable: false);
        await next(context);
    }

    private static string? Parse(MessageParser parser, byte[] message)
    {
        try
        {
            parser.ParseFrom(message);
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return e.Message;
        }
    }

    private static async Task<int> ReadAsync(Stream body, byte[] buffer, CancellationToken cancel)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await body.ReadAsync(buffer.AsMemory(total), cancel);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    /// <summary>A trailers-only gRPC answer carrying the refusal's google.rpc.Status, as the interceptor would have sent it.</summary>
    private async Task RefuseAsync(HttpContext context, ServiceError error)
    {
        logger.LogInformation("{Method} refused: {Code} {Reason}: {Message}", context.Request.Path.Value, error.Code, error.Reason, error.Message);
        var english = context.Request.Headers.AcceptLanguage.ToString().TrimStart().StartsWith("en", StringComparison.OrdinalIgnoreCase);
        var refusal = ErrorInterceptor.ToRpcException(error, english);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)refusal.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(refusal.Status.Detail);
        foreach (var entry in refusal.Trailers.Where(t => t.IsBinary))
            response.Headers[entry.Key] = Convert.ToBase64String(entry.ValueBytes);
        await response.Body.FlushAsync(context.RequestAborted);
    }
}
