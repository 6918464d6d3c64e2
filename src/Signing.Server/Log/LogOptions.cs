using Microsoft.Extensions.Options;

namespace Signing.Server.Log;

/// <summary>Section <c>Signing:Log</c>: the signed checkpoints of the transparency log.</summary>
public sealed class LogOptions
{
    public const string Section = "Signing:Log";
    public const string CheckpointSecondsKey = Section + ":CheckpointSeconds";
    public const string OriginKey = Section + ":Origin";
    public const string DefaultOrigin = "signing.saglik.gov.tr/log";
    /// <summary>An hour: a receipt holder waits at most this long for the proof of their submission.</summary>
    public const int MaximumCheckpointSeconds = 3600;

    /// <summary>
    /// How often the server signs a checkpoint when the log has grown (and once on shutdown). Also how long a caller is
    /// told to wait when their event is not yet in one.
    /// </summary>
    public int CheckpointSeconds { get; set; } = 5;

    /// <summary>The log's name, the first line of every checkpoint: the same on every node of a deployment.</summary>
    public string Origin { get; set; } = DefaultOrigin;

    public TimeSpan Interval => TimeSpan.FromSeconds(CheckpointSeconds);
}

public static class LogOptionsSetup
{
    public static IServiceCollection AddLogOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LogOptions>().Bind(configuration.GetSection(LogOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LogOptions>, LogOptionsValidation>();
        return services;
    }
}

/// <summary>Each failure names the key and the value found, as the other settings' validation does.</summary>
public sealed class LogOptionsValidation : IValidateOptions<LogOptions>
{
    public ValidateOptionsResult Validate(string? name, LogOptions o)
    {
        var failures = new List<string>();
        if (o.CheckpointSeconds is < 1 or > LogOptions.MaximumCheckpointSeconds)
            failures.Add($"{LogOptions.CheckpointSecondsKey} must be from 1 to {LogOptions.MaximumCheckpointSeconds} (was {o.CheckpointSeconds})");
        // The origin is the first line of the signed note: a line break or padding would change what verifiers compare.
        if (string.IsNullOrWhiteSpace(o.Origin) || o.Origin != o.Origin.Trim() || o.Origin.Any(char.IsControl))
            failures.Add($"{LogOptions.OriginKey} must be one line without spaces at its ends, e.g. {LogOptions.DefaultOrigin} (was '{o.Origin}')");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
