using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Signing.Desk;

/// <summary>
/// The officer's desk: static files (HTML, ES modules, CSS) embedded in this assembly, served under /desk/ on the REST
/// port, the same origin as the REST API the page calls, so the server needs no CORS.
/// </summary>
public static class DeskSetup
{
    public const string BasePath = "/desk";

    private static readonly ManifestEmbeddedFileProvider Files = new(typeof(DeskSetup).Assembly, "wwwroot");
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IServiceCollection AddSigningDesk(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeskOptions>().Bind(configuration.GetSection(DeskOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeskOptions>, DeskOptionsValidation>();
        return services;
    }

    /// <summary>
    /// Maps the page; only requests that arrived on <paramref name="restPort"/> see it (the gRPC port answers 404). The
    /// settings are read per request, so a wrong one is reported by the start-up validation like every other setting.
    /// </summary>
    public static IEndpointRouteBuilder MapSigningDesk(this IEndpointRouteBuilder app, int restPort)
    {
        if (restPort == 0)
            return app;
        var group = app.MapGroup(BasePath);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var options = http.RequestServices.GetRequiredService<IOptions<DeskOptions>>().Value;
            if (!options.Enabled || http.Connection.LocalPort != restPort)
                return Results.NotFound();
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = Policy(options);
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            return await next(context);
        });
        group.MapGet("/config.json", (HttpContext http, IOptions<DeskOptions> options) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(new { agentUrl = options.Value.AgentUrl.TrimEnd('/') });
        });
        // Routing ignores a trailing slash; the page's relative URLs do not: /desk goes to /desk/.
        group.MapGet("/{**path}", (HttpContext http, string? path) =>
            !string.IsNullOrEmpty(path) ? Serve(path)
            : http.Request.Path.Value?.EndsWith('/') == true ? Serve("index.html")
            : Results.Redirect(BasePath + "/"));
        return app;
    }

    /// <summary>The page may load only its own files and talk only to its own origin (the API) and the officer's agent.</summary>
    private static string Policy(DeskOptions options) =>
        "default-src 'self'; connect-src 'self' " + options.AgentOrigin() + "; script-src 'self'; style-src 'self'; " +
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static IResult Serve(string path)
    {
        // The manifest provider knows only the embedded files: "..", absolute paths and anything else fall out as not found.
        var file = Files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory)
            return Results.NotFound();
        if (!ContentTypes.TryGetContentType(path, out var type))
            type = "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal) || type.EndsWith("javascript", StringComparison.Ordinal))
            type += "; charset=utf-8";
        return Results.Stream(file.CreateReadStream(), type, lastModified: file.LastModified);
    }
}
