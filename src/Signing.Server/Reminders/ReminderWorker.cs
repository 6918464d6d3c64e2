using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;
using Signing.Domain;
using Signing.Server.Configuration;
using Signing.Store;

namespace Signing.Server.Reminders;

/// <summary>What one pass did.</summary>
public sealed record ReminderPass(int Scheduled, int Sent, int Failed, int Cancelled);

/// <summary>
/// The renewal reminders' sender. A pass schedules what has become due in every tenant with SMTP settings, then leases the
/// due outbox rows and sends them, one SMTP connection per tenant and batch. A row whose person has opened a renewal
/// meanwhile (or got a newer certificate, or reached a later stage) is cancelled, not sent. A failure is tried again with
/// exponential backoff and given up after <see cref="ReminderOptions.MaxAttempts"/>. Runs every
/// <see cref="ReminderOptions.PeriodSeconds"/> on the server's clock when <see cref="ReminderOptions.Background"/> is on.
/// </summary>
public sealed class ReminderWorker(
    ReminderStore store,
    TenantCatalog catalog,
    IOptions<TenantsOptions> tenants,
    IOptions<ReminderOptions> options,
    TimeProvider time,
    ILogger<ReminderWorker> logger) : BackgroundService
{
    // Resolved on first use: a bad setting is the start-up validation's to report (with its exit code), not this constructor's.
    private readonly Lazy<IReadOnlyDictionary<string, SmtpSettings>> _settings = new(() => SmtpSettings.Resolve(tenants.Value));
    private readonly ReminderOptions _options = options.Value;
    private readonly SemaphoreSlim _onePass = new(1, 1);
    // Leases name their holder, so a node never settles a row another node has taken over.
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private IReadOnlyDictionary<string, SmtpSettings> Smtp => _settings.Value;

    /// <summary>The tenants whose reminders this server sends (those with SMTP settings).</summary>
    public IReadOnlyCollection<string> Tenants => [.. Smtp.Keys];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Background || Smtp.Count == 0)
            return;
        logger.LogInformation("renewal reminders: {Tenants} tenant(s) with SMTP, a pass every {Period}", Smtp.Count, _options.Period);
        using var timer = new PeriodicTimer(_options.Period, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            // A failed pass must not end the loop (a background service's exception stops the host): the next one
            // picks up where it left off, since every row it did not settle is still in the outbox.
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("renewal reminder pass failed ({Kind}), next in {Period}: {Message}", e.GetType().Name, _options.Period,
                    e is NpgsqlException or TimeoutException ? e.Message : "see the debug log");
                logger.LogDebug(e, "renewal reminder pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One pass: schedule what is due, then send what is due (the background loop calls it; so can a test).</summary>
    public async Task<ReminderPass> RunOnceAsync(CancellationToken ct = default)
    {
        if (Smtp.Count == 0)
            return new(0, 0, 0, 0);
        await _onePass.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var scheduled = 0;
            foreach (var code in Smtp.Keys)
                scheduled += await store.ScheduleDueAsync(code, catalog.Find(code)!.Reminders, now, ct: ct).ConfigureAwait(false);
            var (sent, failed, cancelled) = (0, 0, 0);
            while (true)
            {
                var claimed = await store.ClaimAsync(Smtp.Keys.ToList(), now, _options.Lease, _owner, _options.BatchSize, ct).ConfigureAwait(false);
                foreach (var batch in claimed.GroupBy(c => c.Tenant, StringComparer.Ordinal))
                {
                    var (s, f, c) = await SendAsync(Smtp[batch.Key], catalog.Find(batch.Key)!, batch.ToList(), now, ct).ConfigureAwait(false);
                    sent += s;
                    failed += f;
                    cancelled += c;
                }
                if (claimed.Count < _options.BatchSize)
                    break;
            }
            if (scheduled + sent + failed + cancelled > 0)
                logger.LogInformation("renewal reminders: {Scheduled} scheduled, {Sent} sent, {Failed} failed, {Cancelled} cancelled", scheduled, sent, failed, cancelled);
            return new(scheduled, sent, failed, cancelled);
        }
        finally
        {
            _onePass.Release();
        }
    }

    private async Task<(int Sent, int Failed, int Cancelled)> SendAsync(SmtpSettings smtp, TenantSettings tenant, IReadOnlyList<ClaimedReminder> rows,
        DateTimeOffset now, CancellationToken ct)
    {
        var (sent, failed, cancelled) = (0, 0, 0);
        var sendable = new List<ClaimedReminder>();
        foreach (var row in rows)
        {
            var reason = row.RenewalOpen ? "a renewal was opened"
                : row.Superseded ? "a newer certificate or a later stage took its place"
                : row.Recipient is null ? "no address"
                : null;
            if (reason is not null)
            {
                if (await store.CancelAsync(row, _owner, now, reason, ct).ConfigureAwait(false))
                    cancelled++;
            }
            else if (row.NotAfter <= now)
            {
                await store.MarkFailedAsync(row, _owner, now, "the certificate expired before the reminder could be sent", retryAt: null, ct).ConfigureAwait(false);
                failed++;
            }
            else
                sendable.Add(row);
        }
        if (sendable.Count == 0)
            return (sent, failed, cancelled);

        using var client = new SmtpClient();
        client.Timeout = 30_000;
        if (smtp.Trusted is { } trusted)
            client.ServerCertificateValidationCallback = (_, certificate, chain, errors) => Trusts(trusted, certificate, errors);
        var next = 0;
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, ct).ConfigureAwait(false);
            if (smtp.User is not null)
                await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", ct).ConfigureAwait(false);
            for (; next < sendable.Count; next++)
            {
                var row = sendable[next];
                try
                {
                    await client.SendAsync(ReminderMail.Compose(row, tenant, smtp.From, now), ct).ConfigureAwait(false);
                }
                catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.RecipientNotAccepted)
                {
                    // This address only: the connection is still good for the others.
                    await FailAsync(row, now, Describe(e), ct).ConfigureAwait(false);
                    failed++;
                    continue;
                }
                if (await store.MarkSentAsync(row, _owner, now, ct).ConfigureAwait(false))
                    sent++;
                logger.LogInformation("renewal reminder ({Stage} days) sent to {Tckn} in {Tenant}", row.StageDays, Tckn.Mask(row.Tckn), row.Tenant);
            }
            await client.DisconnectAsync(quit: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or SmtpCommandException or SmtpProtocolException or AuthenticationException
            or SslHandshakeException or ServiceNotConnectedException or ServiceNotAuthenticatedException or TimeoutException or OperationCanceledException
            && !ct.IsCancellationRequested)
        {
            var reason = Describe(e);
            logger.LogWarning("renewal reminders of {Tenant} not sent through {Smtp} ({Count} waiting): {Reason}", tenant.ProvinceCode, smtp, sendable.Count - next, reason);
            for (; next < sendable.Count; next++)
            {
                await FailAsync(sendable[next], now, reason, CancellationToken.None).ConfigureAwait(false);
                failed++;
            }
        }
        return (sent, failed, cancelled);
    }

    private async Task FailAsync(ClaimedReminder row, DateTimeOffset now, string reason, CancellationToken ct)
    {
        var failures = row.Attempts + 1;
        var retryAt = failures >= _options.MaxAttempts ? (DateTimeOffset?)null : now + _options.Backoff(failures);
        await store.MarkFailedAsync(row, _owner, now, reason, retryAt, ct).ConfigureAwait(false);
        if (retryAt is null)
            logger.LogWarning("renewal reminder ({Stage} days) for {Tckn} in {Tenant} given up after {Attempts} attempts: {Reason}",
                row.StageDays, Tckn.Mask(row.Tckn), row.Tenant, failures, reason);
    }

    /// <summary>
    /// A reason that names no address: SMTP servers echo the recipient in their replies, so only the status code and the
    /// kind of failure are kept.
    /// </summary>
    private static string Describe(Exception e) => e switch
    {
        SmtpCommandException c => $"SMTP {(int)c.StatusCode} ({c.ErrorCode})",
        SocketException s => $"connection failed ({s.SocketErrorCode})",
        SslHandshakeException => "TLS handshake failed (the server's certificate is not trusted, or TLS is not offered)",
        AuthenticationException => "SMTP authentication refused",
        _ => e.GetType().Name,
    };

    /// <summary>
    /// The pinned certificate is the server's own or the CA it chains to; the host name must match either way (a name
    /// mismatch is never forgiven).
    /// </summary>
    private static bool Trusts(X509Certificate2 trusted, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        if (errors == SslPolicyErrors.None)
            return true;
        using var leaf = new X509Certificate2(presented);
        if (leaf.RawData.AsSpan().SequenceEqual(trusted.RawData))
            return true;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
