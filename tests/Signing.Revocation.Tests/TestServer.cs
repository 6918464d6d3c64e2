using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Signing.Revocation.Tests;

/// <summary>Kestrel on a loopback port of its own; each path answered by a handler a test sets and may swap at any time.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, byte[], Task>> _handlers = new();
    private readonly ConcurrentDictionary<string, int> _hits = new();

    public string BaseUrl { get; }

    private TestServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<TestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestServer? server = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var path = context.Request.Path.Value ?? "/";
            server!._hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (server._handlers.TryGetValue(path, out var handler))
                await handler(context, body.ToArray());
            else
                context.Response.StatusCode = 404;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new TestServer(app, address.TrimEnd('/'));
        return server;
    }

    public string Url(string path) => BaseUrl + path;

    public void Handle(string path, Func<HttpContext, byte[], Task> handler) => _handlers[path] = handler;

    /// <summary>Answers <paramref name="path"/> with the bytes <paramref name="make"/> returns for the request body.</summary>
    public void Serve(string path, string contentType, Func<byte[], byte[]> make) => Handle(path, async (context, body) =>
    {
        var bytes = make(body);
        context.Response.ContentType = contentType;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    });

    public void Fail(string path, int status) => Handle(path, (context, _) =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
