using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;
using Signing.Tokens;

namespace Signing.Cli.Commands.Desk;

/// <summary>The options every desk command takes: --server, --lang, --json.</summary>
internal sealed class DeskOptions
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"Server address. Default: $ESIGN_SERVER, else the signed-in session's server, else {DefaultServer}.",
        HelpName = "URL",
    };

    public Option<string?> Lang { get; } = new Option<string?>("--lang")
    {
        Description = "Language of messages: tr (default, or $ESIGN_LANG) or en.",
        HelpName = "tr|en",
    }.AcceptOnlyFromAmong("tr", "en");

    public Option<bool> Json { get; } = TokenCli.JsonOption();

    /// <summary>A new set added to <paramref name="command"/> (an option instance belongs to one command).</summary>
    public static DeskOptions AddTo(Command command)
    {
        var o = new DeskOptions();
        command.Options.Add(o.Server);
        command.Options.Add(o.Lang);
        command.Options.Add(o.Json);
        return o;
    }
}

/// <summary>The card options of commands that sign: --token, --module, --pin-env, --pin-stdin.</summary>
internal sealed class CardOptions
{
    public Option<string?> Token { get; } = new("--token") { Description = "Token label. Default: the card used at esign login.", HelpName = "LABEL" };
    public Option<string?> Module { get; } = TokenCli.ModuleOption();
    public Option<string?> PinEnv { get; } = TokenCli.PinEnvOption();
    public Option<bool> PinStdin { get; } = TokenCli.PinStdinOption();

    public static CardOptions AddTo(Command command)
    {
        var o = new CardOptions();
        command.Options.Add(o.Token);
        command.Options.Add(o.Module);
        command.Options.Add(o.PinEnv);
        command.Options.Add(o.PinStdin);
        return o;
    }
}

/// <summary>
/// One desk command's run: language, output mode, server, session, gRPC channel, and the one place where failures
/// become a message, a "what to do next" line and an exit code.
/// </summary>
internal sealed class DeskContext : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private GrpcChannel? _channel;
    private readonly string? _explicitServer;

    public Lang Lang { get; }
    public bool Json { get; }
    public SessionStore Sessions { get; }
    public IAnsiConsole Out { get; }

    /// <summary>Progress lines go to stderr on a terminal only, so stdout stays clean for --json and pipes.</summary>
    public bool Interactive => !Json && !Console.IsErrorRedirected;

    public DeskContext(ParseResult parse, DeskOptions options, SessionStore? sessions = null)
    {
        Json = parse.GetValue(options.Json);
        Lang = ParseLang(parse.GetValue(options.Lang) ?? Environment.GetEnvironmentVariable("ESIGN_LANG"));
        _explicitServer = parse.GetValue(options.Server) is { Length: > 0 } s ? s
            : Environment.GetEnvironmentVariable("ESIGN_SERVER") is { Length: > 0 } e ? e : null;
        Sessions = sessions ?? SessionStore.Default();
        Out = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
            Out.Profile.Width = 200;
    }

    public static Lang ParseLang(string? value) =>
        string.Equals(value?.Trim(), "en", StringComparison.OrdinalIgnoreCase) ? Lang.En : Lang.Tr;

    public string T(string key, params object?[] args) => Texts.Get(Lang, key, args);

    /// <summary>--server, $ESIGN_SERVER, the session's server, the default — in that order.</summary>
    public string Server
    {
        get
        {
            if (_explicitServer is not null)
                return _explicitServer;
            try
            {
                return Sessions.Load()?.Server ?? DeskOptions.DefaultServer;
            }
            catch (DeskException)
            {
                return DeskOptions.DefaultServer;
            }
        }
    }

    public GrpcChannel Channel
    {
        get
        {
            if (_channel is null)
            {
                if (!Uri.TryCreate(Server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw new UsageException($"--server: not an http(s) URL: {Server}");
                _channel = GrpcChannel.ForAddress(uri);
            }
            return _channel;
        }
    }

    /// <summary>The stored, unexpired session for this server, or a "run esign login" failure.</summary>
    public DeskSession RequireSession()
    {
        var session = Sessions.Load() ?? throw new DeskException(DeskExit.NotSignedIn, "session.none", nextKey: "next.login");
        if (session.IsExpired(DateTimeOffset.UtcNow))
            throw new DeskException(DeskExit.NotSignedIn, "session.expired", [session.ExpiresAt.UtcDateTime], "next.login");
        if (_explicitServer is not null && !SameServer(_explicitServer, session.Server))
            throw new DeskException(DeskExit.NotSignedIn, "session.otherServer", [session.Server], "next.login");
        return session;
    }

    private static bool SameServer(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    public CallOptions Call(Metadata? headers = null, CancellationToken cancel = default) =>
        new(headers, DateTime.UtcNow + CallTimeout, cancel);

    public CallOptions Authed(CancellationToken cancel = default) =>
        Call(new Metadata { { "authorization", "Bearer " + RequireSession().AccessToken } }, cancel);

    /// <summary>System clients (the courier, Kamu SM's feed) send an API key read from an environment variable, never an option.</summary>
    public CallOptions WithApiKey(string variable)
    {
        var key = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(key))
            throw new UsageException($"--api-key-env: environment variable {variable} is empty or not set");
        return Call(new Metadata { { "x-api-key", key } });
    }

    /// <summary>Opens the card: --token, else the card of the session, else the only token present.</summary>
    public TokenSession OpenCard(ParseResult parse, CardOptions card)
    {
        var label = parse.GetValue(card.Token) ?? TryLoadSession()?.TokenLabel;
        var pin = TokenCli.PinSource(parse.GetValue(card.PinEnv), parse.GetValue(card.PinStdin));
        return Pkcs11Module.Load(parse.GetValue(card.Module)).Login(label, pin);
    }

    /// <summary>The card's signing certificate without logging in (wet and e-Onay applicants who still hold their token), or null.</summary>
    public Org.BouncyCastle.X509.X509Certificate? ReadCardCertificate(ParseResult parse, CardOptions card)
    {
        var label = parse.GetValue(card.Token) ?? TryLoadSession()?.TokenLabel;
        if (label is null)
            return null;
        var certificates = Pkcs11Module.Load(parse.GetValue(card.Module)).ListCertificates(label);
        return certificates.Where(c => c.NonRepudiation).OrderByDescending(c => c.NotAfterUtc).FirstOrDefault()?.Certificate
            ?? certificates.FirstOrDefault()?.Certificate;
    }

    public DeskSession? TryLoadSession()
    {
        try
        {
            return Sessions.Load();
        }
        catch (DeskException)
        {
            return null;
        }
    }

    /// <summary>Runs a step with a status line on a terminal (token → sign → submit), silently otherwise.</summary>
    public TResult Step<TResult>(string textKey, Func<TResult> body)
    {
        if (!Interactive)
            return body();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Status().Start(T(textKey), _ => body());
    }

    // ---------------------------------------------------------------- output

    public static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static JsonNode ToNode(IMessage message) => JsonNode.Parse(ProtoJson.Format(message))!;

    public void WriteJson(JsonNode node) =>
        Console.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));

    public void Line(string text) => Console.Out.WriteLine(text);

    /// <summary>Runs the command body; every failure becomes one message, one "what next" line and its exit code.</summary>
    public int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (RpcException e)
        {
            return Report(ErrorReport.FromRpc(e, Lang));
        }
        catch (DeskException e)
        {
            return Report(ErrorReport.FromDesk(e, Lang));
        }
        catch (TokenException e)
        {
            return Report(ErrorReport.FromToken(e, Lang));
        }
        catch (Exception e) when (e is UsageException or IOException or UnauthorizedAccessException)
        {
            return Report(new ErrorReport(DeskExit.BadInput, "USAGE", Signing.Domain.ErrorCodes.BadInput, e.Message, [], T("next.badInput")));
        }
        catch (Exception e)
        {
            return Report(new ErrorReport(DeskExit.Unexpected, "UNEXPECTED", e.GetType().Name, e.Message, [], T("next.unexpected")));
        }
    }

    public int Report(ErrorReport report) => Render(report, Json, Lang, Console.Error, Console.Out);

    internal static int Render(ErrorReport report, bool json, Lang lang, TextWriter err, TextWriter @out)
    {
        err.WriteLine(Texts.Get(lang, "error.prefix") + report.Message);
        foreach (var detail in report.Details)
            err.WriteLine("  - " + detail);
        err.WriteLine(Texts.Get(lang, "error.next", report.Next));
        if (json)
            @out.WriteLine(JsonSerializer.Serialize(new
            {
                error = report.Reason,
                status = report.Code,
                message = report.Message,
                details = report.Details,
                next = report.Next,
                exitCode = report.ExitCode,
            }, TokenCli.Json));
        return report.ExitCode;
    }

    public void Dispose() => _channel?.Dispose();
}
