using System.Security.Cryptography.X509Certificates;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Signing.Server.Configuration;

namespace Signing.Server.Reminders;

/// <summary>Section <c>Signing:Reminders</c>: how often and how hard the renewal reminders are sent.</summary>
public sealed class ReminderOptions
{
    public const string Section = "Signing:Reminders";

    /// <summary>Whether this node runs passes by itself (every <see cref="PeriodSeconds"/>); off, passes run only when asked.</summary>
    public bool Background { get; set; } = true;
    /// <summary>Seconds between two passes (scheduling and sending), on the server's clock.</summary>
    public int PeriodSeconds { get; set; } = 300;
    /// <summary>Reminders leased and sent over one SMTP connection at most.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>Attempts before a reminder is given up (it then counts as failed).</summary>
    public int MaxAttempts { get; set; } = 6;
    /// <summary>The wait after the first failure; each further failure doubles it, up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryBaseSeconds { get; set; } = 60;
    public int RetryMaxSeconds { get; set; } = 6 * 3600;
    /// <summary>How long a node holds the rows it is sending; a node that dies leaves them to others after this.</summary>
    public int LeaseSeconds { get; set; } = 300;

    public TimeSpan Period => TimeSpan.FromSeconds(PeriodSeconds);
    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    /// <summary>The wait before the next attempt of a reminder that has failed <paramref name="failures"/> times (1 or more).</summary>
    public TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(RetryMaxSeconds, RetryBaseSeconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 30))));

    public IEnumerable<string?> Problems()
    {
        string? AtLeast(string key, int value, int minimum) => value >= minimum ? null : $"{Section}:{key} must be at least {minimum} (was {value})";
        yield return AtLeast(nameof(PeriodSeconds), PeriodSeconds, 1);
        yield return AtLeast(nameof(BatchSize), BatchSize, 1);
        yield return BatchSize <= 1000 ? null : $"{Section}:BatchSize must be at most 1000 (was {BatchSize})";
        yield return AtLeast(nameof(MaxAttempts), MaxAttempts, 1);
        yield return AtLeast(nameof(RetryBaseSeconds), RetryBaseSeconds, 1);
        yield return RetryMaxSeconds >= RetryBaseSeconds ? null : $"{Section}:RetryMaxSeconds must be at least RetryBaseSeconds ({RetryBaseSeconds}; was {RetryMaxSeconds})";
        yield return AtLeast(nameof(LeaseSeconds), LeaseSeconds, 30);
    }
}

/// <summary>
/// <c>Signing:TenantDefaults:Smtp</c> and <c>Signing:Tenants:N:Smtp</c>: the SMTP server a directorate's reminders go
/// through. A tenant's fields override the defaults' one by one; a tenant left with no Host sends no reminders.
/// </summary>
public sealed class SmtpOptions
{
    /// <summary>False switches a tenant's reminders off even when the defaults name a server.</summary>
    public bool? Enabled { get; set; }
    public string? Host { get; set; }
    /// <summary>Default 587 (submission with STARTTLS); 465 with SslOnConnect.</summary>
    public int? Port { get; set; }
    /// <summary>StartTls (the default: required, not opportunistic), SslOnConnect, or None (only without User).</summary>
    public string? Security { get; set; }
    public string? User { get; set; }
    /// <summary>A secret: never logged (keep it in the deployment's secrets, not in appsettings.json).</summary>
    public string? Password { get; set; }
    public string? FromAddress { get; set; }
    /// <summary>The sender's display name; default the directorate's name.</summary>
    public string? FromName { get; set; }
    /// <summary>
    /// A PEM certificate the SMTP server's certificate must chain to (a private CA) or be (a pinned self-signed one); empty =
    /// the operating system's trust store. The host name is checked either way.
    /// </summary>
    public string? TrustedCertificateFile { get; set; }
}

/// <summary>A tenant's SMTP settings, resolved and checked. Not a record: its printout must not carry the password.</summary>
public sealed class SmtpSettings
{
    public required string Tenant { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required SecureSocketOptions Security { get; init; }
    public string? User { get; init; }
    public string? Password { get; init; }
    public required MailboxAddress From { get; init; }
    public X509Certificate2? Trusted { get; init; }

    public override string ToString() => $"{Host}:{Port} ({Security}{(User is null ? "" : ", as " + User)})";

    /// <summary>
    /// The SMTP settings of every tenant that has them (tenant code → settings). A bad value throws
    /// InvalidOperationException naming the key, so the server does not start with it.
    /// </summary>
    public static IReadOnlyDictionary<string, SmtpSettings> Resolve(TenantsOptions options)
    {
        var catalog = TenantCatalog.From(options);
        var shared = options.TenantDefaults.Smtp ?? new SmtpOptions();
        var result = new Dictionary<string, SmtpSettings>(StringComparer.Ordinal);
        foreach (var tenant in options.Tenants)
        {
            var code = tenant.Code!.Trim();
            var own = tenant.Smtp ?? new SmtpOptions();
            var key = own.Host is { Length: > 0 } ? $"Signing:Tenants ({code}): Smtp" : "Signing:TenantDefaults:Smtp";
            if ((own.Enabled ?? shared.Enabled) == false || Set(own.Host, shared.Host) is not { } host)
                continue;
            var port = own.Port ?? shared.Port;
            var securityText = Set(own.Security, shared.Security) ?? nameof(SecureSocketOptions.StartTls);
            var security = securityText.ToLowerInvariant() switch
            {
                "starttls" => SecureSocketOptions.StartTls,
                "sslonconnect" => SecureSocketOptions.SslOnConnect,
                "none" => SecureSocketOptions.None,
                _ => throw new InvalidOperationException($"{key}:Security is StartTls, SslOnConnect or None, not '{securityText}'"),
            };
            port ??= security == SecureSocketOptions.SslOnConnect ? 465 : 587;
            if (port is < 1 or > 65535)
                throw new InvalidOperationException($"{key}:Port must be a port from 1 to 65535 (was {port})");
            var user = Set(own.User, shared.User);
            var password = Set(own.Password, shared.Password);
            if ((user is null) != (password is null))
                throw new InvalidOperationException($"{key}: User and Password go together (one is set, the other is not)");
            if (user is not null && security == SecureSocketOptions.None)
                throw new InvalidOperationException($"{key}: Security None would send the password in clear: use StartTls or SslOnConnect");
            var fromAddress = Set(own.FromAddress, shared.FromAddress)
                ?? throw new InvalidOperationException($"{key}:FromAddress is required (the address reminders are sent from)");
            if (!MailboxAddress.TryParse(fromAddress, out var from) || !from.Address.Contains('@', StringComparison.Ordinal))
                throw new InvalidOperationException($"{key}:FromAddress '{fromAddress}' is not an e-mail address");
            from.Name = Set(own.FromName, shared.FromName) ?? catalog.Find(code)?.Name ?? "";
            X509Certificate2? trusted = null;
            if (Set(own.TrustedCertificateFile, shared.TrustedCertificateFile) is { } file)
            {
                try
                {
                    var text = File.ReadAllText(file);
                    trusted = text.Contains("-----BEGIN", StringComparison.Ordinal)
                        ? X509Certificate2.CreateFromPem(text)
                        : X509CertificateLoader.LoadCertificate(File.ReadAllBytes(file));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    throw new InvalidOperationException($"{key}:TrustedCertificateFile {file} is not a readable certificate ({e.Message.ReplaceLineEndings(" ")})");
                }
            }
            result[code] = new SmtpSettings
            {
                Tenant = code, Host = host, Port = port.Value, Security = security, User = user, Password = password, From = from, Trusted = trusted,
            };
        }
        return result;
    }

    private static string? Set(string? own, string? shared) =>
        !string.IsNullOrWhiteSpace(own) ? own.Trim() : !string.IsNullOrWhiteSpace(shared) ? shared.Trim() : null;
}

/// <summary>The reminder settings are checked when the host starts, as every other setting is.</summary>
public sealed class ReminderValidation : IValidateOptions<ReminderOptions>, IValidateOptions<TenantsOptions>
{
    public ValidateOptionsResult Validate(string? name, ReminderOptions options)
    {
        var problems = options.Problems().OfType<string>().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public ValidateOptionsResult Validate(string? name, TenantsOptions options)
    {
        try
        {
            TenantCatalog.From(options);
        }
        catch (InvalidOperationException)
        {
            return ValidateOptionsResult.Skip; // the tenants' own rule says what is wrong with them
        }
        try
        {
            SmtpSettings.Resolve(options);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
