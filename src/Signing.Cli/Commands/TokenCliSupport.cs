using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Tokens;

namespace Signing.Cli.Commands;

/// <summary>What `esign token …` and `esign sign` share: options, PIN sources, exit codes, error lines.</summary>
internal static class TokenCli
{
    /// <summary>Exit codes, one per thing a person can act on. Listed in --help (see <see cref="ExitCodeHelp"/>).</summary>
    public static class ExitCodes
    {
        public const int Ok = 0;
        public const int Unexpected = 1;
        public const int BadInput = 2;
        public const int ModuleNotFound = 10;
        public const int NoToken = 11;
        public const int TokenRemoved = 12;
        public const int WrongPin = 13;
        public const int PinLocked = 14;
        public const int PinNotProvided = 15;
        public const int NoCertificate = 16;
        public const int NoPrivateKey = 17;
        public const int MechanismNotSupported = 18;
        public const int TokenBusy = 19;
        public const int Pkcs11Failure = 20;
        /// <summary>`esign sign --tsa`: the timestamp authority was unreachable, too slow, or gave no token for the request.</summary>
        public const int TimestampFailed = 21;

        public static int For(TokenErrorKind kind) => kind switch
        {
            TokenErrorKind.ModuleNotFound => ModuleNotFound,
            TokenErrorKind.NoToken => NoToken,
            TokenErrorKind.TokenRemoved => TokenRemoved,
            TokenErrorKind.WrongPin => WrongPin,
            TokenErrorKind.PinLocked => PinLocked,
            TokenErrorKind.PinNotProvided => PinNotProvided,
            TokenErrorKind.NoCertificate => NoCertificate,
            TokenErrorKind.NoPrivateKey => NoPrivateKey,
            TokenErrorKind.MechanismNotSupported => MechanismNotSupported,
            TokenErrorKind.TokenBusy => TokenBusy,
            _ => Pkcs11Failure,
        };
    }

    public const string ExitCodeHelp =
        "Exit codes: 0 ok, 1 unexpected error, 2 bad input (file missing, bad option), 10 PKCS#11 module not found, " +
        "11 no token / label not found, 12 token removed, 13 wrong PIN, 14 PIN locked, 15 no PIN given, " +
        "16 no signing certificate, 17 no private key for the certificate, 18 mechanism not supported, " +
        "19 token busy, 20 other PKCS#11 failure, 21 timestamp authority failed (sign --tsa).";

    public static readonly string ModuleHelp =
        $"PKCS#11 module (.so/.dll). Default: ${Pkcs11Module.ModuleEnvironmentVariable}, else {Pkcs11Module.SoftHsm2Path}. Usual paths: " +
        string.Join("; ", Pkcs11Module.UsualPaths.Select(p => $"{p.Name} {p.Path}")) + ".";

    public static Option<string?> ModuleOption() => new("--module") { Description = ModuleHelp };

    public static Option<string?> TokenOption() => new("--token") { Description = "Token label (needed when more than one token is present)." };

    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON for scripts instead of tables." };

    public static Option<string?> PinEnvOption() => new("--pin-env")
    {
        Description = "Read the PIN from this environment variable (automation).",
        HelpName = "NAME",
    };

    public static Option<bool> PinStdinOption() => new("--pin-stdin") { Description = "Read the PIN from the first line of standard input." };

    /// <summary>--pin-env NAME, --pin-stdin, else a prompt without echo on the terminal.</summary>
    public static IPinSource PinSource(string? pinEnv, bool pinStdin)
    {
        if (pinEnv is not null && pinStdin)
            throw new UsageException("use either --pin-env or --pin-stdin, not both");
        if (pinEnv is not null)
            return PinSources.FromEnvironment(pinEnv);
        return pinStdin ? PinSources.FromReader(Console.In) : PinSources.Prompt(Console.Error);
    }

    /// <summary>Writes a table; when piped (no terminal width to go by) it is not squeezed into 80 columns.</summary>
    public static void Render(Spectre.Console.Rendering.IRenderable table)
    {
        if (Console.IsOutputRedirected)
            Spectre.Console.AnsiConsole.Profile.Width = 200;
        Spectre.Console.AnsiConsole.Write(table);
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Runs a command body and turns failures into one line on stderr and a distinct exit code — never a stack trace,
    /// never a PIN (no error message of Signing.Tokens carries one).
    /// </summary>
    public static int Run(bool json, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (TokenException e)
        {
            return Fail(json, ExitCodes.For(e.Kind), e.Kind.ToString(), e.Message);
        }
        catch (UsageException e)
        {
            return Fail(json, ExitCodes.BadInput, "BadInput", e.Message);
        }
        catch (TimestampFailedException e)
        {
            return Fail(json, ExitCodes.TimestampFailed, "TimestampFailed", e.Message);
        }
        catch (IOException e)
        {
            return Fail(json, ExitCodes.BadInput, "BadInput", e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(json, ExitCodes.BadInput, "BadInput", e.Message);
        }
        catch (Exception e)
        {
            return Fail(json, ExitCodes.Unexpected, "Unexpected", $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static int Fail(bool json, int code, string kind, string message)
    {
        Console.Error.WriteLine($"esign: {message}");
        if (json)
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = kind, message, exitCode = code }, Json));
        return code;
    }
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>The timestamp authority gave no usable token; the message names its URL and the reason.</summary>
internal sealed class TimestampFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>valid / expiring (≤ 90 days left: Kamu SM's renewal window) / expired, from notAfter. Until the verification engine judges it.</summary>
internal enum CertificateState { Valid, Expiring, Expired, NotYetValid }

internal static class CertificateStatus
{
    public const int ExpiringDays = 90;

    public static (CertificateState State, int DaysLeft) Of(DateTime notBeforeUtc, DateTime notAfterUtc, DateTime nowUtc)
    {
        var daysLeft = (int)Math.Floor((notAfterUtc - nowUtc).TotalDays);
        if (nowUtc < notBeforeUtc)
            return (CertificateState.NotYetValid, daysLeft);
        if (nowUtc > notAfterUtc)
            return (CertificateState.Expired, daysLeft);
        return (daysLeft <= ExpiringDays ? CertificateState.Expiring : CertificateState.Valid, daysLeft);
    }
}
