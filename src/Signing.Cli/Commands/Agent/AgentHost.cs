using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Signing.Cli.Commands.Agent;

/// <summary>What `esign agent` was started with, already checked.</summary>
internal sealed record AgentSettings(
    IReadOnlyList<AgentOrigin> Origins, int Port, TimeSpan Timeout, string? Module, string? TokenLabel, string? AutoApprovePinEnv);

/// <summary>
/// The agent's HTTP face on 127.0.0.1: every request passes the loopback, Host and Origin gates before anything else,
/// and at most one request at a time is on the person's screen.
/// </summary>
internal sealed class AgentHost(AgentSettings settings, TextWriter screen)
{
    private readonly SemaphoreSlim _onScreen = new(1, 1);
    private readonly AgentCard _card = new(settings.Module, settings.TokenLabel);
    private readonly AgentConsole _console = new(screen, settings.AutoApprovePinEnv, settings.Timeout);
    private readonly Lock _log = new();

    public async Task<int> RunAsync(CancellationToken cancel = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = SignRequest.MaxBodyBytes;
            // Loopback only: the card must not be reachable from the network the officer's machine sits on.
            kestrel.Listen(IPAddress.Loopback, settings.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        await using var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancel);
        var address = app.Urls.FirstOrDefault() ?? $"http://127.0.0.1:{settings.Port}";
        screen.WriteLine($"esign agent: listening on {address} for {string.Join(", ", settings.Origins)}; card {_card.Describe(_card.Certificate())}");
        screen.WriteLine("esign agent: Ctrl+C stops it. / Durdurmak için Ctrl+C.");
        await app.WaitForShutdownAsync(cancel);
        return 0;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var origin = request.Headers.Origin.ToString();
        if (http.Connection.RemoteIpAddress is not { } peer || !IPAddress.IsLoopback(peer))
        {
            await Finish(http, origin, "-", AgentError.NotLoopback());
            return;
        }
        if (!HostIsLoopback(request.Host, http.Connection.LocalPort))
        {
            await Finish(http, origin, "-", AgentError.WrongHost());
            return;
        }
        // No Access-Control-* header for a refused origin: the browser then hides even the refusal from that page.
        if (!settings.Origins.Any(o => o.Matches(origin)))
        {
            await Finish(http, origin, "-", AgentError.OriginRefused());
            return;
        }
        http.Response.Headers.AccessControlAllowOrigin = origin;
        http.Response.Headers.Vary = "Origin";

        if (HttpMethods.IsOptions(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            http.Response.Headers.AccessControlAllowMethods = "GET, POST";
            http.Response.Headers.AccessControlAllowHeaders = "Content-Type";
            http.Response.Headers.AccessControlMaxAge = "600";
            // Chrome's Private Network Access: a public page asking a loopback address must be let in explicitly.
            if (string.Equals(request.Headers["Access-Control-Request-Private-Network"], "true", StringComparison.OrdinalIgnoreCase))
                http.Response.Headers["Access-Control-Allow-Private-Network"] = "true";
            Log(origin, "preflight", "204");
            return;
        }
        if (HttpMethods.IsGet(request.Method) && request.Path == "/v1/hello")
        {
            await HelloAsync(http, origin);
            return;
        }
        if (HttpMethods.IsPost(request.Method) && request.Path == "/v1/sign")
        {
            await SignAsync(http, origin);
            return;
        }
        await Finish(http, origin, "-", AgentError.NotFound());
    }

    private static bool HostIsLoopback(HostString host, int port) =>
        host.Port == port && host.Host is { } name
        && (name == "127.0.0.1" || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase));

    private async Task HelloAsync(HttpContext http, string origin)
    {
        var certificate = _card.Certificate();
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            agent = "esign",
            protocol = 1,
            certificate = certificate is null ? null : new
            {
                subject = AgentCard.Subject(certificate),
                notAfter = certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        }, AgentJson.Options));
        Log(origin, "hello", "200");
    }

    private async Task SignAsync(HttpContext http, string origin)
    {
        SignRequest signRequest;
        try
        {
            signRequest = SignRequest.Parse(await ReadBodyAsync(http));
        }
        catch (AgentRequestException e)
        {
            await Finish(http, origin, "sign", e.Error);
            return;
        }
        if (!await _onScreen.WaitAsync(0))
        {
            await Finish(http, origin, signRequest.Kind, AgentError.Busy());
            return;
        }
        try
        {
            var answer = await _console.AskAsync(origin, signRequest, _card.Describe(_card.Certificate()), http.RequestAborted);
            if (answer is Answer.Refused)
            {
                await Finish(http, origin, signRequest.Kind, AgentError.Denied());
                return;
            }
            if (answer is not Answer.Sign sign)
            {
                await Finish(http, origin, signRequest.Kind, AgentError.Timeout(settings.Timeout));
                return;
            }
            (byte[] Cms, byte[] Certificate) signed;
            try
            {
                signed = _card.Sign(signRequest.Bytes, sign.Pin);
            }
            finally
            {
                (sign.Pin as IDisposable)?.Dispose();
            }
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                signature = Convert.ToBase64String(signed.Cms),
                certificate = Convert.ToBase64String(signed.Certificate),
            }, AgentJson.Options));
            Log(origin, signRequest.Kind, "200 signed" + (signRequest is DecisionRequest d ? $" {d.View.Decision} {d.View.ApplicationCode}" : ""));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The page went away while the person was asked: nobody is left to answer, and nothing was signed.
            screen.WriteLine();
            Log(origin, signRequest.Kind, "aborted by the page");
        }
        catch (AgentRequestException e)
        {
            if (e.Error.Code == "token")
                screen.WriteLine("esign agent: " + e.Error.Message);
            await Finish(http, origin, signRequest.Kind, e.Error);
        }
        finally
        {
            _onScreen.Release();
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        try
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw SignRequest.Bad($"the body is larger than {SignRequest.MaxBodyBytes} bytes", "gövde çok büyük");
        }
        return buffer.ToArray();
    }

    private async Task Finish(HttpContext http, string origin, string kind, AgentError error)
    {
        Log(origin, kind, $"{error.Status} {error.Code}");
        await error.WriteAsync(http);
    }

    /// <summary>One line per request: origin, kind, outcome. Never a PIN or a TCKN (neither reaches these arguments).</summary>
    private void Log(string origin, string kind, string outcome)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"esign agent: {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'} origin={(origin.Length == 0 ? "(none)" : Signing.Domain.Tckn.MaskAll(origin))} kind={kind} outcome={outcome}");
        lock (_log)
            screen.WriteLine(line);
    }
}
