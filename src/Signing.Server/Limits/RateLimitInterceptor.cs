using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Errors;

namespace Signing.Server.Limits;

/// <summary>
/// Rate limits, as the outermost interceptor rather than ASP.NET Core's rate-limiting middleware: the middleware's
/// OnRejected would have to write gRPC trailers (and the transcoded JSON error) by hand, while a refusal thrown here goes
/// out like every other status — RESOURCE_EXHAUSTED with ErrorInfo RATE_LIMITED and google.rpc.RetryInfo over gRPC, 429
/// with the same details over REST — and the method name is at hand to tell the open calls from the rest.
/// <list type="bullet">
/// <item>The calls anyone may make (challenge, sign-in, certificate check, guidance) and calls without credentials count
/// against the client address.</item>
/// <item>Calls with credentials count against the credential as sent (the bearer token, the API key, the client
/// certificate), without validating it here: the service validates it, once. Credentials the service refuses are
/// then charged to the address, and an address out of such charges is refused before anything is validated, so
/// made-up tokens neither escape the limits nor fill memory with partitions.</item>
/// </list>
/// </summary>
public sealed class RateLimitInterceptor : Interceptor, IDisposable
{
    private const string HealthService = "/grpc.health.v1.Health/";
    private const string PersonPrefix = "p:";
    private const string SystemPrefix = "s:";

    private static readonly HashSet<string> OpenMethods =
    [
        MethodPath(CertificateService.Descriptor, "CreateChallenge"),
        MethodPath(CertificateService.Descriptor, "CheckCertificate"),
        MethodPath(CertificateService.Descriptor, "GetRenewalGuidance"),
        MethodPath(SessionService.Descriptor, "SignIn"),
    ];

    private readonly bool _enabled;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _refusedCredentials;
    private readonly PartitionedRateLimiter<string> _callers;
    private readonly ILogger<RateLimitInterceptor> _logger;
    private readonly ConcurrentDictionary<string, long> _warned = new();

    public RateLimitInterceptor(IOptions<RateLimitOptions> options, ILogger<RateLimitInterceptor> logger)
    {
        var o = options.Value;
        _enabled = o.Enabled;
        _logger = logger;
        _addresses = PerKey(_ => o.Anonymous);
        _refusedCredentials = PerKey(_ => o.Anonymous);
        _callers = PerKey(key => key.StartsWith(PersonPrefix, StringComparison.Ordinal) ? o.Person : o.SystemClient);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var credentialed = Admit(context);
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated && credentialed is not null)
        {
            Charge(credentialed);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var credentialed = Admit(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated && credentialed is not null)
        {
            Charge(credentialed);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var credentialed = Admit(context);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated && credentialed is not null)
        {
            Charge(credentialed);
            throw;
        }
    }

    /// <summary>Throws the refusal, or lets the call in; returns the client address when the call came with credentials.</summary>
    private string? Admit(ServerCallContext context)
    {
        if (!_enabled || context.Method.StartsWith(HealthService, StringComparison.Ordinal))
            return null;
        var http = context.GetHttpContext();
        var address = ClientAddress.Of(http);
        if (OpenMethods.Contains(context.Method) || Credential(context, http) is not { } credential)
        {
            Take(_addresses, address, context, "address", address);
            return null;
        }
        if (_refusedCredentials.GetStatistics(address) is { CurrentAvailablePermits: <= 0 })
            Take(_refusedCredentials, address, context, "address", address);
        Take(_callers, credential, context, "caller", null);
        return address;
    }

    private void Take(PartitionedRateLimiter<string> limiter, string key, ServerCallContext context, string scope, string? shown)
    {
        using var lease = limiter.AttemptAcquire(key);
        if (lease.IsAcquired)
            return;
        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);
        Warn(scope, key, shown, context.Method);
        throw Refusal(retry, scope, context);
    }

    private void Charge(string address)
    {
        using var _ = _refusedCredentials.AttemptAcquire(address);
    }

    /// <summary>The credential as sent, in the order the Authenticator reads them; null when there is none.</summary>
    private static string? Credential(ServerCallContext context, HttpContext http)
    {
        if (context.RequestHeaders.GetValue("authorization") is { Length: > 0 } authorization)
            return PersonPrefix + authorization;
        if (http.Connection.ClientCertificate is { } certificate)
            return SystemPrefix + certificate.Thumbprint;
        return context.RequestHeaders.GetValue(Authenticator.ApiKeyHeader) is { Length: > 0 } key ? SystemPrefix + key : null;
    }

    private static RpcException Refusal(TimeSpan retry, string scope, ServerCallContext context)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var error = new ServiceError(StatusCode.ResourceExhausted, ErrorCodes.RateLimited,
            scope == "address"
                ? $"too many requests from this address; try again in {seconds} s"
                : $"too many requests with these credentials; try again in {seconds} s",
            scope == "address"
                ? $"bu adresten kısa sürede çok fazla istek geldi; {seconds} sn sonra tekrar deneyin"
                : $"bu oturumla kısa sürede çok fazla istek geldi; {seconds} sn sonra tekrar deneyin",
            metadata: new Dictionary<string, string> { ["limit"] = scope, ["retry_after_seconds"] = seconds });
        var status = ErrorInterceptor.ToRpcException(error, ErrorInterceptor.WantsEnglish(context)).GetRpcStatus()!;
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        // REST clients read Retry-After; over gRPC it is one more header beside the RetryInfo.
        context.GetHttpContext().Response.Headers.RetryAfter = seconds;
        return status.ToRpcException();
    }

    /// <summary>One warning per limited partition and minute: a flood must show in the log without writing it a line per call.</summary>
    private void Warn(string scope, string key, string? shown, string method)
    {
        var now = Environment.TickCount64;
        if (_warned.TryGetValue(key, out var last) && now - last < 60_000)
            return;
        if (_warned.Count > 10_000)
            _warned.Clear();
        _warned[key] = now;
        // A credential is never logged: it would let anyone who reads the log call as its holder.
        _logger.LogWarning("rate limit reached per {Scope} {Address} on {Method}; further refusals of it are not logged for a minute",
            scope, shown ?? "(a credential)", method);
    }

    private static PartitionedRateLimiter<string> PerKey(Func<string, BucketOptions> bucket) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, k =>
        {
            var b = bucket(k);
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = b.Burst,
                TokensPerPeriod = b.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            };
        }));

    private static string MethodPath(Google.Protobuf.Reflection.ServiceDescriptor service, string method) =>
        $"/{service.FullName}/{service.FindMethodByName(method).Name}";

    public void Dispose()
    {
        _addresses.Dispose();
        _refusedCredentials.Dispose();
        _callers.Dispose();
    }
}
