using Microsoft.Extensions.Options;
using Npgsql;
using Signing.Store;

namespace Signing.Server.Roster;

/// <summary>Section <c>Signing:Roster</c>: the staff list's import limit and how long contact data outlives a deactivation.</summary>
public sealed class RosterOptions
{
    public const string Section = "Signing:Roster";
    public const string MaxRowsKey = Section + ":MaxRows";
    public const string ContactRetentionDaysKey = Section + ":ContactRetentionDays";
    /// <summary>Ten years: beyond that a setting is a typo, not a retention policy.</summary>
    public const int MaximumContactRetentionDays = 3650;

    /// <summary>
    /// Rows one import may send: the rows are held in memory until the stream ends (nothing is applied if it breaks off), so
    /// the bound is the server's memory. The largest directorate has tens of thousands of staff.
    /// </summary>
    public int MaxRows { get; set; } = 200_000;

    /// <summary>KVKK: days after a person's deactivation at which their e-mail and phone are erased (the name and category stay).</summary>
    public int ContactRetentionDays { get; set; } = 180;
}

public static class RosterSetup
{
    /// <summary>The roster's options (validated at start) and the daily erasure of stale contact data.</summary>
    public static IServiceCollection AddSigningRoster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RosterOptions>().Bind(configuration.GetSection(RosterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RosterOptions>, RosterOptionsValidation>();
        services.AddHostedService<ContactEraser>();
        return services;
    }
}

/// <summary>Each failure names the key and the value found, as the other settings' validation does.</summary>
public sealed class RosterOptionsValidation : IValidateOptions<RosterOptions>
{
    public ValidateOptionsResult Validate(string? name, RosterOptions o)
    {
        var failures = new List<string>();
        if (o.MaxRows < 1)
            failures.Add($"{RosterOptions.MaxRowsKey} must be at least 1 (was {o.MaxRows})");
        if (o.ContactRetentionDays is < 0 or > RosterOptions.MaximumContactRetentionDays)
            failures.Add($"{RosterOptions.ContactRetentionDaysKey} must be from 0 to {RosterOptions.MaximumContactRetentionDays} days (was {o.ContactRetentionDays})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Erases, once a day, the contact data of people deactivated more than <see cref="RosterOptions.ContactRetentionDays"/>
/// ago (every tenant). Every node runs it: the erasure is idempotent and skips rows another node holds.
/// </summary>
public sealed class ContactEraser(RosterStore roster, IOptions<RosterOptions> options, TimeProvider time, ILogger<ContactEraser> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                var erased = await roster.EraseStaleContactsAsync(now.AddDays(-options.Value.ContactRetentionDays), now, stoppingToken);
                if (erased > 0)
                    logger.LogInformation("erased the contact data of {Count} people deactivated more than {Days} days ago", erased, options.Value.ContactRetentionDays);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("erasing stale roster contacts failed, next in {Interval}: {Message}", Interval, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
