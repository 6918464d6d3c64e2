using System.CommandLine;
using Signing.Cli.Commands.Desk;

namespace Signing.Cli.Commands.Agent;

/// <summary>A web origin the agent answers: scheme, host and port, compared exactly as browsers send them.</summary>
internal sealed record AgentOrigin(string Scheme, string Host, int Port)
{
    /// <summary>An absolute http(s) origin without path, query or user info; null with the reason otherwise.</summary>
    public static AgentOrigin? TryParse(string value, out string? problem)
    {
        problem = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            problem = "not an absolute http:// or https:// URL";
        else if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            problem = "an origin has no path, query, fragment or user info (e.g. https://desk.example:5081)";
        return problem is null ? new AgentOrigin(uri!.Scheme, uri.IdnHost.ToLowerInvariant(), uri.Port) : null;
    }

    /// <summary>The Origin header as a browser sends it: scheme://host[:port], no trailing slash; "null" and paths never match.</summary>
    public bool Matches(string header)
    {
        if (header.Length == 0 || header.EndsWith('/') || !Uri.TryCreate(header, UriKind.Absolute, out var uri))
            return false;
        return uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.UserInfo.Length == 0
            && uri.Scheme == Scheme && uri.IdnHost.Equals(Host, StringComparison.OrdinalIgnoreCase) && uri.Port == Port;
    }

    public override string ToString() => $"{Scheme}://{Host}:{Port}";
}

/// <summary>`esign agent`: the local signer the browser desk talks to.</summary>
internal static class AgentCommand
{
    public const int DefaultPort = 5088;

    public static Command Create()
    {
        var origins = new Option<string[]>("--origin")
        {
            Description = "A web origin whose pages may ask for signatures (exact scheme://host:port, no path), e.g. " +
                "https://desk.example:5081. Repeat for more. Required: requests from any other origin are refused.",
            HelpName = "URL",
            AllowMultipleArgumentsPerToken = false,
        };
        var port = new Option<int>("--port")
        {
            Description = $"Port on 127.0.0.1 (default {DefaultPort}; 0 = any free port, printed at start). The agent never listens on another address.",
            DefaultValueFactory = _ => DefaultPort,
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the person's answer before telling the page 'timeout' (default 60).",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 60,
        };
        var token = new Option<string?>("--token") { Description = "Token label. Default: the card used at esign login, else the only card present.", HelpName = "LABEL" };
        var module = TokenCli.ModuleOption();
        var pinEnv = new Option<string?>("--pin-env")
        {
            Description = "With --approve-without-asking-for-tests only: read the card's PIN from this environment variable.",
            HelpName = "NAME",
        };
        var autoApprove = new Option<bool>("--approve-without-asking-for-tests")
        {
            Description = "TESTS ONLY: sign every well-formed request without asking anyone (needs --pin-env). Never use it at a desk.",
        };
        var command = new Command("agent",
            "The local signing agent for the browser desk: listens on 127.0.0.1 only, answers only pages from the --origin " +
            "origins, shows on this terminal what a page asks to sign (a sign-in, or a decision: application, applicant, " +
            "APPROVE/REJECT, reason) and asks for the card's PIN here — the page never sees the PIN. An empty line refuses. " +
            "Protocol: GET /v1/hello, POST /v1/sign (JSON).")
        {
            origins, port, timeout, token, module, pinEnv, autoApprove,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var error = Console.Error;
            var settings = Settings(parse.GetValue(origins) ?? [], parse.GetValue(port), parse.GetValue(timeout),
                parse.GetValue(module), parse.GetValue(token), parse.GetValue(autoApprove), parse.GetValue(pinEnv), out var problem);
            if (settings is null)
            {
                error.WriteLine("esign agent: " + problem);
                return DeskExit.BadInput;
            }
            if (settings.AutoApprovePinEnv is not null)
                AgentConsole.WriteStartWarning(error);
            try
            {
                return await new AgentHost(settings, error).RunAsync(cancel);
            }
            catch (IOException e)
            {
                error.WriteLine($"esign agent: cannot listen on 127.0.0.1:{settings.Port}: {e.Message}");
                return DeskExit.BadInput;
            }
        });
        return command;
    }

    internal static AgentSettings? Settings(string[] originValues, int port, int timeoutSeconds, string? module, string? token,
        bool autoApprove, string? pinEnv, out string? problem)
    {
        problem = null;
        if (originValues.Length == 0)
            problem = "--origin is required: name the desk page's origin (e.g. --origin https://desk.example:5081); the agent answers no other page";
        else if (port is < 0 or > 65535)
            problem = "--port: must be 0..65535";
        else if (timeoutSeconds is < 1 or > 3600)
            problem = "--timeout: must be 1..3600 seconds";
        else if (autoApprove && string.IsNullOrEmpty(pinEnv))
            problem = "--approve-without-asking-for-tests needs --pin-env NAME (the test card's PIN); refusing to start";
        else if (!autoApprove && pinEnv is not null)
            problem = "--pin-env is only for --approve-without-asking-for-tests; at a desk the agent asks for the PIN itself";
        var origins = new List<AgentOrigin>();
        foreach (var value in originValues)
        {
            if (problem is not null)
                break;
            if (AgentOrigin.TryParse(value, out var why) is { } origin)
                origins.Add(origin);
            else
                problem = $"--origin {value}: {why}";
        }
        if (problem is not null)
            return null;
        token ??= SessionLabel();
        return new AgentSettings(origins, port, TimeSpan.FromSeconds(timeoutSeconds), module, token, autoApprove ? pinEnv : null);
    }

    private static string? SessionLabel()
    {
        try
        {
            return SessionStore.Default().Load()?.TokenLabel;
        }
        catch (DeskException)
        {
            return null;
        }
    }
}
