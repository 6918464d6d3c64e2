using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Signing.Server.Configuration;
using Signing.Server.Reminders;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using Signing.TestKit;

namespace Signing.Server.Tests.Reminders;

/// <summary>
/// A deployment that sends renewal reminders: a real SMTP server (<see cref="SmtpSink"/>: STARTTLS, AUTH), one database
/// (made by <see cref="Owner"/>, a node without SMTP settings, so it sends nothing) and a node with SMTP settings for
/// every tenant (<see cref="Node"/>) that can be restarted on the same database. Every node runs on one simulated clock;
/// the reminder passes run only when a test asks (<see cref="ReminderWorker.RunOnceAsync"/>), never by themselves.
/// </summary>
public sealed class ReminderWorld : IAsyncLifetime
{
    /// <summary>The wait after a first failure (doubling after each further one), on the simulated clock.</summary>
    public const int RetryBaseSeconds = 600;
    public const int MaxAttempts = 4;

    public SmtpSink Sink { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddHours(6));
    public SigningServer Owner { get; } = new();
    public ReminderNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Sink.StartAsync();
        await Owner.InitializeAsync();
        Node = new ReminderNode(Owner, this);
        await Node.InitializeAsync();
    }

    /// <summary>Stops the node and starts another on the same database (a restart, or a second node taking over).</summary>
    public async Task RestartAsync()
    {
        await Node.DisposeAsync();
        Node = new ReminderNode(Owner, this);
        await Node.InitializeAsync();
    }

    /// <summary>One more node on the same database and clock, beside <see cref="Node"/> (the caller disposes it).</summary>
    public async Task<ReminderNode> AnotherNodeAsync()
    {
        var node = new ReminderNode(Owner, this);
        await node.InitializeAsync();
        return node;
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Owner.DisposeAsync();
        await Sink.DisposeAsync();
    }
}

/// <summary>A server node whose tenants all send reminders through the world's SMTP server, on the world's clock.</summary>
public sealed class ReminderNode(SigningServer first, ReminderWorld world) : SigningServer(first)
{
    public IServiceProvider Services => App!.Services;
    public ReminderWorker Worker => Services.GetRequiredService<ReminderWorker>();
    public ReminderStore Reminders => Services.GetRequiredService<ReminderStore>();
    public ApplicationStore Store => Services.GetRequiredService<ApplicationStore>();
    public IDocumentStore Documents => Services.GetRequiredService<IDocumentStore>();
    public TenantCatalog Tenants => Services.GetRequiredService<TenantCatalog>();

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        const string smtp = "Signing:TenantDefaults:Smtp:";
        settings[smtp + "Host"] = "127.0.0.1";
        settings[smtp + "Port"] = world.Sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings[smtp + "Security"] = "StartTls";
        settings[smtp + "User"] = SmtpSink.User;
        settings[smtp + "Password"] = world.Sink.Password;
        settings[smtp + "FromAddress"] = "e-imza@saglik.example.gov.tr";
        settings[smtp + "TrustedCertificateFile"] = world.Sink.CertificateFile;
        settings["Signing:Reminders:Background"] = "false";
        settings["Signing:Reminders:RetryBaseSeconds"] = ReminderWorld.RetryBaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Signing:Reminders:MaxAttempts"] = ReminderWorld.MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(world.Clock);
}
