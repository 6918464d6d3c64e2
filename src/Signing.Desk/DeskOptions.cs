using Microsoft.Extensions.Options;

namespace Signing.Desk;

/// <summary>Section <c>Signing:Desk</c>: the officer's desk page on the REST port.</summary>
public sealed class DeskOptions
{
    public const string Section = "Signing:Desk";
    public const string DefaultAgentUrl = "http://127.0.0.1:5088";

    /// <summary>Serve the page under /desk/ on the REST port.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the page finds the local signing agent (esign agent) on the officer's own machine, as the browser reaches it.
    /// It goes into the page's Content-Security-Policy, so the page can talk to nothing else.
    /// </summary>
    public string AgentUrl { get; set; } = DefaultAgentUrl;

    /// <summary>The agent's origin (scheme://host:port), as CSP and the browser compare it.</summary>
    public string AgentOrigin() => new Uri(AgentUrl).GetLeftPart(UriPartial.Authority);
}

/// <summary>A wrong agent URL would leave every officer unable to sign: it stops the server at start, naming the key.</summary>
public sealed class DeskOptionsValidation : IValidateOptions<DeskOptions>
{
    public ValidateOptionsResult Validate(string? name, DeskOptions o)
    {
        if (!o.Enabled)
            return ValidateOptionsResult.Success;
        var key = DeskOptions.Section + ":AgentUrl";
        if (!Uri.TryCreate(o.AgentUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return ValidateOptionsResult.Fail($"{key} must be an absolute http:// or https:// URL (was '{o.AgentUrl}')");
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            return ValidateOptionsResult.Fail($"{key} must be the agent's origin only, e.g. {DeskOptions.DefaultAgentUrl} (was '{o.AgentUrl}')");
        // The agent runs on the officer's own machine and listens on loopback only: any other host is a mistake.
        if (!uri.IsLoopback)
            return ValidateOptionsResult.Fail($"{key} must name a loopback address (127.0.0.1 or localhost), where esign agent listens (was '{o.AgentUrl}')");
        return ValidateOptionsResult.Success;
    }
}
