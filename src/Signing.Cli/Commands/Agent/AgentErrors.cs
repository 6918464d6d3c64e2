using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Signing.Cli.Commands.Agent;

/// <summary>
/// An answer the agent gives instead of a signature: HTTP status, a stable code the page branches on, and the message in
/// English and Turkish so the page can show the person's language without a table of its own.
/// </summary>
internal sealed record AgentError(int Status, string Code, string Message, string MessageTr)
{
    public static AgentError NotLoopback() => new(StatusCodes.Status403Forbidden, "not_loopback",
        "the signing agent answers only connections from this computer", "imza aracı yalnızca bu bilgisayardan gelen bağlantılara yanıt verir");

    public static AgentError WrongHost() => new(StatusCodes.Status421MisdirectedRequest, "wrong_host",
        "the Host header must be 127.0.0.1:<port> or localhost:<port>", "Host başlığı 127.0.0.1:<port> ya da localhost:<port> olmalı");

    public static AgentError OriginRefused() => new(StatusCodes.Status403Forbidden, "origin_refused",
        "this page's origin is not one the signing agent was started for", "bu sayfanın kaynağı imza aracına tanımlı değil");

    public static AgentError NotFound() => new(StatusCodes.Status404NotFound, "not_found",
        "the agent has GET /v1/hello and POST /v1/sign only", "araçta yalnızca GET /v1/hello ve POST /v1/sign var");

    public static AgentError BadRequest(string message, string messageTr) => new(StatusCodes.Status400BadRequest, "bad_request", message, messageTr);

    public static AgentError Denied() => new(StatusCodes.Status403Forbidden, "denied",
        "the person at the card refused to sign", "kart sahibi imzalamayı reddetti");

    public static AgentError Timeout(TimeSpan waited) => new(StatusCodes.Status408RequestTimeout, "timeout",
        $"nobody answered at the signing agent within {waited.TotalSeconds:0} seconds",
        $"imza aracında {waited.TotalSeconds:0} saniye içinde yanıt verilmedi");

    public static AgentError Busy() => new(StatusCodes.Status429TooManyRequests, "busy",
        "another signing request is already on the agent's screen; try again when it is answered",
        "imza aracında yanıt bekleyen başka bir istek var; o yanıtlanınca yeniden deneyin");

    public static AgentError Token(string message, string messageTr) => new(StatusCodes.Status503ServiceUnavailable, "token", message, messageTr);

    public Task WriteAsync(HttpContext http)
    {
        http.Response.StatusCode = Status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new { error = Code, message = Message, messageTr = MessageTr }, AgentJson.Options));
    }
}

internal static class AgentJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
