using Microsoft.Extensions.Options;
using Signing.Server.Configuration;

namespace Signing.Server.Reminders;

public static class ReminderSetup
{
    /// <summary>Signing:Reminders and each tenant's SMTP settings, checked when the host starts (with the other settings).</summary>
    public static IServiceCollection AddReminderOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReminderOptions>().Bind(configuration.GetSection(ReminderOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReminderOptions>, ReminderValidation>();
        services.AddSingleton<IValidateOptions<TenantsOptions>, ReminderValidation>();
        return services;
    }

    /// <summary>The reminder worker: a hosted service that does nothing for a deployment without SMTP settings.</summary>
    public static IServiceCollection AddSigningReminders(this IServiceCollection services)
    {
        services.AddSingleton<ReminderWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ReminderWorker>());
        return services;
    }
}
