using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Signing.Server.Configuration;

/// <summary>
/// Why the server could not start; each value is the process's exit code, distinct so a script or a service manager can
/// tell the classes apart (numbers from BSD sysexits.h where one fits):
/// 0 = ran and stopped normally; 1 = <see cref="Unexpected"/>; 66 = <see cref="FileUnreadable"/> (EX_NOINPUT);
/// 69 = <see cref="PortInUse"/> (EX_UNAVAILABLE); 75 = <see cref="DatabaseUnreachable"/> (EX_TEMPFAIL: starting again
/// later may work); 77 = <see cref="ServerTokenUnavailable"/> (EX_NOPERM); 78 = <see cref="InvalidSetting"/> (EX_CONFIG).
/// </summary>
public enum StartupFailure
{
    /// <summary>A failure the server has no name for (the line says what was thrown; the stack trace is at debug level).</summary>
    Unexpected = 1,
    /// <summary>A file named by a setting is missing, unreadable or not what it should be.</summary>
    FileUnreadable = 66,
    /// <summary>Another process listens on the gRPC or REST port.</summary>
    PortInUse = 69,
    /// <summary>PostgreSQL does not answer, or refuses the configured connection.</summary>
    DatabaseUnreachable = 75,
    /// <summary>The server token is absent, its PIN is not set or is refused.</summary>
    ServerTokenUnavailable = 77,
    /// <summary>A setting is missing or has a value the server cannot use.</summary>
    InvalidSetting = 78,
}

/// <summary>A start-up failure the server can name: <see cref="Exception.Message"/> is the one line it prints.</summary>
public sealed class StartupException(StartupFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public StartupFailure Failure { get; } = failure;

    /// <summary>Reading the file named by <paramref name="setting"/> (or a file it names) failed with <paramref name="e"/>.</summary>
    public static StartupException ForFile(string setting, string path, Exception e)
    {
        var file = (e as FileNotFoundException)?.FileName ?? path;
        var named = file == path ? "" : $" (named in {path})";
        return e switch
        {
            FileNotFoundException or DirectoryNotFoundException => new(StartupFailure.FileUnreadable,
                $"{setting}: file {file}{named} does not exist; correct {setting} or create the file", e),
            UnauthorizedAccessException or IOException => new(StartupFailure.FileUnreadable,
                $"{setting}: file {file}{named} cannot be read ({e.Message}); check its permissions", e),
            _ => new(StartupFailure.FileUnreadable,
                $"{setting}: file {file}{named} is not usable ({e.Message.ReplaceLineEndings(" ")}); correct the file", e),
        };
    }

    /// <summary>Whether reading a file could have thrown <paramref name="e"/> (rather than a bug).</summary>
    public static bool IsFileProblem(Exception e) => e is IOException or UnauthorizedAccessException or InvalidDataException
        or System.Text.Json.JsonException or FormatException or System.Security.Cryptography.CryptographicException
        or Org.BouncyCastle.Security.GeneralSecurityException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException;
}

/// <summary>Turns whatever stopped the start into the one line and the exit code of <see cref="StartupFailure"/>.</summary>
public static partial class StartupFailures
{
    public static (StartupFailure Failure, string Line) Describe(Exception e, IServiceProvider? services)
    {
        switch (e)
        {
            case AggregateException aggregate when aggregate.InnerExceptions.All(x => x is OptionsValidationException):
                return (StartupFailure.InvalidSetting, string.Join("; ", aggregate.InnerExceptions.Select(x => x.Message)));
            case AggregateException { InnerExceptions.Count: 1 } single:
                return Describe(single.InnerExceptions[0], services);
            case StartupException known:
                return (known.Failure, known.Message);
            case OptionsValidationException invalid:
                return (StartupFailure.InvalidSetting, invalid.Message);
            case InvalidOperationException when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                return (StartupFailure.InvalidSetting, e.Message.ReplaceLineEndings(" ") + " Correct the setting.");
            case IOException { InnerException: AddressInUseException }:
                return (StartupFailure.PortInUse, PortInUse(e.Message, services));
            case NpgsqlException or SocketException:
                return (StartupFailure.DatabaseUnreachable,
                    $"PostgreSQL cannot be reached ({e.Message.ReplaceLineEndings(" ")}); start it or correct SIGNING_DB");
            default:
                return (StartupFailure.Unexpected,
                    $"the server could not start: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} (log level Debug shows the stack trace)");
        }
    }

    private static string PortInUse(string message, IServiceProvider? services)
    {
        var match = BoundAddress().Match(message);
        var address = match.Success ? match.Groups["address"].Value : "the configured address";
        var port = match.Success ? int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var options = services?.GetService<IOptions<ServerOptions>>()?.Value;
        var setting = options is not null && port == options.RestPort && port != options.GrpcPort ? "Signing:RestPort" : "Signing:GrpcPort";
        return PortInUseLine(address, port, setting);
    }

    public static string PortInUseLine(string address, int port, string setting) =>
        $"port {port} on {address} is in use: set {setting} to a free port or stop the process listening on {port}";

    [GeneratedRegex(@"://\[?(?<address>[^\s\]/]+?)\]?:(?<port>\d+)")]
    private static partial Regex BoundAddress();
}
