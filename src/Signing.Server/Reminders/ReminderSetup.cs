using Microsoft.Extensions.Options;
using Signing.Server.Configuration;

namespace Signing.Server.Reminders;

public static class ReminderSetup
{
    /// <summary>
    /// The renewal reminders: their options (Signing:Reminders, checked at start with each tenant's SMTP settings) and the
    /// worker, a hosted service that does nothing for a deployment without SMTP settings.
    /// </summary>
    public static IServiceCollection AddSigningReminders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReminderOptions>().Bind(configuration.GetSection(ReminderOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReminderOptions>, ReminderValidation>();
        services.AddSingleton<IValidateOptions<TenantsOptions>, ReminderValidation>();
        services.AddSingleton<ReminderWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ReminderWorker>());
        return services;
    }
}
