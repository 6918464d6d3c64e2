using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Signing.Contracts.V1;
using Signing.Tokens;

namespace Signing.Load;

/// <summary>
/// ListQueue through the real server: the officer (officer-mersin-1) signs in with their token (challenge, proof of
/// possession, SignIn), then pages of 50 are timed over gRPC. Deep pages use cursors the server itself returned while
/// walking the whole queue once (cursors are opaque), so nothing depends on their format.
/// </summary>
public static class GrpcQueue
{
    /// <summary>officer-mersin-1's token, logged in once for the process (a second login of the same token is refused).</summary>
    public static Card OfficerCard(WorldManifest world)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOFTHSM2_CONF")))
            throw new InvalidOperationException("SOFTHSM2_CONF must be exported before this process starts (SoftHSM reads it at load time) for the officer's sign-in");
        if (world.OfficerToken is null || world.OfficerPin is null)
            throw new InvalidDataException("the manifest has no officer-mersin-1 persona");
        return LogIn(world, world.OfficerToken, world.OfficerPin);
    }

    /// <summary>A world persona's token, logged in (once per token and process).</summary>
    public static Card LogIn(WorldManifest world, string tokenLabel, string userPin)
    {
        var module = Pkcs11Module.Load(string.IsNullOrEmpty(world.Pkcs11Module) ? null : world.Pkcs11Module);
        using var pin = PinSources.FromSecret(userPin);
        var token = module.Login(tokenLabel, pin);
        return new Card(token, token.GetSigningKey());
    }

    public sealed record Card(TokenSession Token, SigningKey Key) : IDisposable
    {
        public void Dispose() => Token.Dispose();
    }

    /// <summary>Challenge, proof of possession on the card, SignIn: the bearer token.</summary>
    public static async Task<string> SignInAsync(GrpcChannel channel, SigningKey key)
    {
        var challenge = await new CertificateService.CertificateServiceClient(channel).CreateChallengeAsync(new CreateChallengeRequest());
        var proof = new ProofOfPossession(key).Sign(challenge.Nonce.ToByteArray());
        var signIn = await new SessionService.SessionServiceClient(channel).SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(proof),
        });
        return signIn.AccessToken;
    }

    public static async Task<QueueLatency.Numbers> MeasureAsync(string url, WorldManifest world, long queueRows, int pages, int pageSize, int seed)
    {
        using var channel = GrpcChannel.ForAddress(url);
        string bearer;
        using (var card = OfficerCard(world))
            bearer = await SignInAsync(channel, card.Key);
        var headers = new Metadata { { "authorization", "Bearer " + bearer } };
        var client = new ApprovalService.ApprovalServiceClient(channel);

        var (times, _) = await TimePagesAsync(async c =>
        {
            var page = await client.ListQueueAsync(new ListQueueRequest { Page = new PageRequest { PageSize = pageSize, Cursor = c } }, headers);
            return (page.Items.Count, page.NextCursor);
        }, pages, seed, "ListQueue");
        return QueueLatency.Summarise(queueRows, times);
    }

    /// <summary>
    /// Walks a keyset-paged list once (untimed) for real cursors, then times <paramref name="pages"/> pages: one in ten the
    /// first page, the rest at random cursors it returned, after a warm-up (a freshly started server runs tier-0 code).
    /// Returns each page's time (ms, in the order taken) and how many items the walk saw.
    /// </summary>
    public static async Task<(double[] Times, long Listed)> TimePagesAsync(Func<string, Task<(int Count, string Next)>> page, int pages, int seed, string what)
    {
        var cursors = new List<string>();
        var cursor = "";
        long listed = 0;
        do
        {
            var (count, next) = await page(cursor);
            listed += count;
            cursor = next;
            if (cursor.Length > 0)
                cursors.Add(cursor);
        } while (cursor.Length > 0);

        var random = new Random(seed);
        var plan = Enumerable.Range(0, pages).Select(i => i % 10 == 0 || cursors.Count == 0 ? "" : cursors[random.Next(cursors.Count)]).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));
        for (var i = 0; i < 1000; i++)
            await page(plan[i % plan.Count]);
        var times = new double[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            if ((await page(plan[i])).Count == 0)
                throw new InvalidOperationException($"a {what} page of the seeded list came back empty");
            times[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        }
        return (times, listed);
    }
}
