using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// Floods: the unauthenticated calls are limited per client address, the rest per caller, over real sockets. A refused
/// call is RESOURCE_EXHAUSTED with RetryInfo (gRPC) or 429 with the same details (REST), and nobody else is slowed.
/// Small limits (5 at once, 1 a second) make the burst short; 127.0.0.1 is configured as a trusted proxy.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.SmallLimitsServer server) : IClassFixture<RateLimitTests.SmallLimitsServer>
{
    public const int Burst = 5;

    public sealed class SmallLimitsServer : SigningServer
    {
        protected override bool Live => true;

        protected override void AddSettings(Dictionary<string, string?> settings)
        {
            settings["Signing:RateLimits:Anonymous:PermitsPerSecond"] = "1";
            settings["Signing:RateLimits:Anonymous:Burst"] = Burst.ToString();
            settings["Signing:RateLimits:Person:PermitsPerSecond"] = "1";
            settings["Signing:RateLimits:Person:Burst"] = Burst.ToString();
            settings["Signing:RateLimits:ForwardedForHeader"] = "X-Forwarded-For";
            settings["Signing:RateLimits:TrustedProxies:0"] = "127.0.0.1";
        }
    }

    private static int _nextAddress;

    /// <summary>A documentation address (TEST-NET-3) no other test uses, as a trusted proxy would forward it.</summary>
    private static Metadata Forwarded() => new() { { "X-Forwarded-For", $"203.0.113.{Interlocked.Increment(ref _nextAddress)}" } };

    [Fact]
    public async Task A_burst_of_challenges_from_one_address_is_refused_with_RetryInfo_while_another_address_signs_in()
    {
        var flood = new CertificateService.CertificateServiceClient(server.Channel);
        var refused = await DrainAsync(() => flood.CreateChallengeAsync(new CreateChallengeRequest()).ResponseAsync);

        var status = await Rpc.Refused(StatusCode.ResourceExhausted, () => flood.CreateChallengeAsync(new CreateChallengeRequest()), "RATE_LIMITED");
        var retry = status.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry!.RetryDelay.ToTimeSpan() > TimeSpan.Zero, "RetryInfo says when to come back");
        Assert.True(refused <= Burst + 2, $"{refused} challenges were handed out before the first refusal (burst {Burst})");

        // Another client, on a socket bound to 127.0.0.2, signs in as if nothing happened.
        using var other = ChannelFrom(IPAddress.Parse("127.0.0.2"), server.GrpcPort);
        var session = await SignInAsync(other, "doctor", new Metadata());
        Assert.Contains("applicant", session.Identity.Roles);
    }

    [Fact]
    public async Task The_forwarded_address_counts_when_a_trusted_proxy_sends_it_and_not_otherwise()
    {
        var direct = new CertificateService.CertificateServiceClient(server.Channel);
        await DrainAsync(() => direct.CreateChallengeAsync(new CreateChallengeRequest()).ResponseAsync);
        // Through the trusted proxy (127.0.0.1), the client's own address is what counts.
        await direct.CreateChallengeAsync(new CreateChallengeRequest(), Forwarded());

        // From 127.0.0.2, not a proxy, the header is the client's own claim: ignored, the socket's address counts.
        using var channel = ChannelFrom(IPAddress.Parse("127.0.0.2"), server.GrpcPort);
        var untrusted = new CertificateService.CertificateServiceClient(channel);
        await DrainAsync(() => untrusted.CreateChallengeAsync(new CreateChallengeRequest(), Forwarded()).ResponseAsync);
        await Rpc.Refused(StatusCode.ResourceExhausted, () => untrusted.CreateChallengeAsync(new CreateChallengeRequest(), Forwarded()), "RATE_LIMITED");
    }

    [Fact]
    public async Task REST_refuses_the_flood_with_429_and_the_same_details()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}") };
        HttpResponseMessage response;
        var n = 0;
        do
        {
            response = await http.PostAsync("/v1/challenges", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        }
        while (response.StatusCode == HttpStatusCode.OK && ++n < 1000);
        using (response)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After says when to come back");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var details = json.RootElement.GetProperty("details").EnumerateArray().ToList();
            Assert.Contains(details, d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.RetryInfo");
            Assert.Contains(details, d => d.TryGetProperty("reason", out var r) && r.GetString() == "RATE_LIMITED");
        }
    }

    [Fact]
    public async Task Signed_in_callers_are_limited_each_on_their_own()
    {
        var doctor = await BearerAsync("doctor");
        var manager = await BearerAsync("manager");
        var sessions = new SessionService.SessionServiceClient(server.Channel);
        await DrainAsync(() => sessions.WhoAmIAsync(new WhoAmIRequest(), doctor).ResponseAsync);
        await Rpc.Refused(StatusCode.ResourceExhausted, () => sessions.WhoAmIAsync(new WhoAmIRequest(), doctor), "RATE_LIMITED");

        // Same address, another caller: untouched.
        Assert.Contains("applicant", (await sessions.WhoAmIAsync(new WhoAmIRequest(), manager)).Roles);
    }

    private async Task<Metadata> BearerAsync(string persona)
    {
        var response = await SignInAsync(server.Channel, persona, Forwarded());
        return new Metadata { { "authorization", "Bearer " + response.AccessToken } };
    }

    /// <summary>Calls until the first RESOURCE_EXHAUSTED; returns how many succeeded before it.</summary>
    private static async Task<int> DrainAsync(Func<Task> call)
    {
        for (var n = 0; n < 1000; n++)
        {
            try
            {
                await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                return n;
            }
        }
        throw new Xunit.Sdk.XunitException("1000 calls in a row were not limited");
    }

    internal static async Task<SignInResponse> SignInAsync(GrpcChannel channel, string persona, Metadata headers)
    {
        var challenge = await new CertificateService.CertificateServiceClient(channel).CreateChallengeAsync(new CreateChallengeRequest(), headers);
        return await new SessionService.SessionServiceClient(channel).SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove(persona, challenge.Nonce.ToByteArray())),
        }, headers);
    }

    /// <summary>An h2c channel whose sockets leave from <paramref name="local"/> (the server listens on 127.0.0.1).</summary>
    public static GrpcChannel ChannelFrom(IPAddress local, int port) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}",
        new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { ConnectCallback = Signing.Bench.SocketsFrom.Address(local) } });
}

/// <summary>The limits' settings and the address a limit counts against, without a server.</summary>
public sealed class LimitSettingsTests
{
    [Fact]
    public void Bad_limit_settings_are_named_with_their_key_and_value()
    {
        var validation = new Signing.Server.Limits.LimitOptionsValidation();
        var result = validation.Validate(null, new Signing.Server.Limits.RateLimitOptions
        {
            Anonymous = new() { PermitsPerSecond = 0, Burst = 10 },
            TrustedProxies = ["10.0.0.1", "not-an-address"],
        });
        Assert.True(result.Failed);
        Assert.Contains("Signing:RateLimits:Anonymous:PermitsPerSecond must be at least 1 (was 0)", result.Failures!);
        Assert.Contains(result.Failures!, f => f.Contains("'not-an-address' is neither an IP address nor a CIDR network"));
        Assert.Contains(result.Failures!, f => f.Contains("ForwardedForHeader is not"));
        Assert.True(validation.Validate(null, new Signing.Server.Limits.RateLimitOptions()).Succeeded);
        Assert.Contains("Signing:Watch:MaxPerOfficer must be at least 1 (was 0)",
            validation.Validate(null, new Signing.Server.Limits.WatchOptions { MaxPerOfficer = 0 }).Failures!);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("::1", "::1")]
    public void An_address_counts_as_itself_and_IPv6_by_its_64_prefix(string address, string counted) =>
        Assert.Equal(counted, Signing.Server.Limits.ClientAddress.Of(IPAddress.Parse(address)));
}
