using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace Signing.HsmSim.Serve;

/// <summary>What `hsm-sim serve` was asked for.</summary>
public sealed record ServeOptions
{
    public required string World { get; init; }
    public string? Host { get; init; }
    public int? Port { get; init; }
    public int? OpensslPort { get; init; }
    public string? StateDirectory { get; init; }
    public bool Ocsp { get; init; } = true;
    public bool Crl { get; init; } = true;
    public bool Tsa { get; init; } = true;
    public bool OpensslOcsp { get; init; } = true;
    public TimeSpan CrlValidity { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan OcspValidity { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// `hsm-sim serve`: the world's CRLs, OCSP responder and TSA over HTTP on loopback (Kestrel: SIGTERM ends it cleanly
/// through the host's lifetime, and a stopped serve's port can be bound again at once), plus OpenSSL's responder beside
/// it. Writes a ready file once everything answers; removes it when it stops.
/// </summary>
public static class PkiServe
{
    public static int Run(ServeOptions options)
    {
        var worldDir = Path.GetFullPath(options.World);
        var manifestPath = Path.Combine(worldDir, "manifest.json");
        if (!File.Exists(manifestPath))
            throw new WorldException($"no world at {worldDir} (manifest.json missing): run hsm-sim first");
        var manifest = WorldManifest.Load(manifestPath);
        var services = manifest.Services;
        var host = options.Host ?? services.Host;
        var port = options.Port ?? services.Port;
        var opensslPort = options.OpensslPort ?? services.OpensslOcspPort;
        var state = Path.GetFullPath(options.StateDirectory ?? services.ServeDirectory);
        Directory.CreateDirectory(state);
        var readyFile = Path.Combine(state, ServeReady.FileName);
        var pidFile = Path.Combine(state, "serve.pid");
        if (ServeProcesses.Running(worldDir, readyFile) is { } other && other.Pid != Environment.ProcessId)
            throw new WorldException($"a serve of this world already runs from {state} (pid {other.Pid}); stop it first");
        File.Delete(readyFile);
        File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        var log = TextWriter.Synchronized(Console.Out);
        var root = new TestCa(ReadCertificate(manifest.Pki.RootCertificate), ReadKey(manifest.Pki.RootKey));
        var subCa = new TestCa(ReadCertificate(manifest.Pki.NesSubCaCertificate), ReadKey(manifest.Pki.NesSubCaKey));
        var publishers = new Dictionary<string, CrlPublisher>(StringComparer.Ordinal)
        {
            ["root"] = new("root", root, manifest.Pki.RootCrl, state, options.CrlValidity, log),
            ["nes-subca"] = new("nes-subca", subCa, manifest.Pki.NesSubCaCrl, state, options.CrlValidity, log),
        };
        var responder = new OcspResponder([Issued("nes-subca", subCa, manifest), Issued("root", root, manifest)], options.OcspValidity);
        var tsa = new TimestampAuthority(ReadCertificate(manifest.Pki.TsaCertificate), ReadKey(manifest.Pki.TsaKey), manifest.Pki.TsaPolicyOid);

        var urlHost = host.Contains(':') ? $"[{host}]" : host;
        var baseUrl = $"http://{urlHost}:{port}";
        using var openssl = options.OpensslOcsp ? new OpenSslResponder(manifest, opensslPort, options.OcspValidity, state, log) : null;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = worldDir, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (IPAddress.TryParse(host, out var address))
                k.Listen(address, port);
            else
                k.ListenLocalhost(port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();

        app.Use(async (context, next) =>
        {
            var clock = Stopwatch.StartNew();
            await next(context);
            var note = context.Items.TryGetValue("note", out var n) ? " " + n : "";
            log.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {context.Request.Method} {Shorten(context.Request.Path)} {context.Response.StatusCode} {clock.ElapsedMilliseconds} ms{note}");
        });
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/crl/{file}", (string file) =>
        {
            if (!options.Crl)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            return file.EndsWith(".crl", StringComparison.Ordinal) && publishers.TryGetValue(file[..^4], out var publisher)
                ? Results.Bytes(publisher.Current(DateTime.UtcNow), "application/pkix-crl")
                : Results.NotFound();
        });
        app.MapPost("/ocsp", async (HttpContext context) =>
        {
            if (!options.Ocsp)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            var answer = responder.Respond(await Body(context.Request), DateTime.UtcNow);
            context.Items["note"] = answer.Summary;
            return Results.Bytes(answer.Body, "application/ocsp-response");
        });
        // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
        app.MapGet("/ocsp/{**request}", (HttpContext context) =>
        {
            if (!options.Ocsp)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            var encoded = Uri.UnescapeDataString(context.Request.Path.Value!["/ocsp/".Length..]);
            byte[] der;
            try { der = Convert.FromBase64String(encoded); }
            catch (FormatException) { der = []; }
            var answer = responder.Respond(der, DateTime.UtcNow);
            context.Items["note"] = answer.Summary;
            return Results.Bytes(answer.Body, "application/ocsp-response");
        });
        app.MapPost("/tsa", async (HttpContext context) =>
        {
            if (!options.Tsa)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            var answer = tsa.Respond(await Body(context.Request), DateTime.UtcNow);
            context.Items["note"] = answer.Summary;
            return Results.Bytes(answer.Body, "application/timestamp-reply");
        });

        // The CRLs are brought up to date when due even when nobody asks, so the files on disk stay current too.
        using var refresh = options.Crl
            ? new Timer(_ => { foreach (var p in publishers.Values) Guard(log, () => p.Current(DateTime.UtcNow)); }, null,
                TimeSpan.Zero, Min(options.CrlValidity / 4, TimeSpan.FromMinutes(1)))
            : null;

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var ready = new ServeReady
            {
                Pid = Environment.ProcessId,
                World = worldDir,
                WorldCreatedAt = manifest.CreatedAt,
                BaseUrl = baseUrl,
                OcspUrl = options.Ocsp ? baseUrl + "/ocsp" : null,
                TsaUrl = options.Tsa ? baseUrl + "/tsa" : null,
                CrlUrls = options.Crl ? publishers.Keys.ToDictionary(k => k, k => baseUrl + WorldServices.CrlPath(k)) : null,
                OpensslOcspUrl = openssl is null ? null : $"http://{urlHost}:{opensslPort}",
                OpensslPid = openssl?.Pid,
                StartedAt = DateTimeOffset.UtcNow,
            };
            var temporary = readyFile + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(ready, WorldManifest.JsonOptions));
            File.Move(temporary, readyFile, overwrite: true);
            log.WriteLine($"hsm-sim serve: {baseUrl} (ocsp {On(options.Ocsp)}, crl {On(options.Crl)} valid {options.CrlValidity}, tsa {On(options.Tsa)}), " +
                          $"openssl ocsp {(openssl is null ? "off" : "on :" + opensslPort)}; pid {Environment.ProcessId}; ready file {readyFile}");
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            File.Delete(readyFile);
            log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} hsm-sim serve: stopping");
        });

        try
        {
            openssl?.Start();
            if (openssl is not null)
                WaitForPort(opensslPort, openssl);
            app.Run();
        }
        finally
        {
            openssl?.Dispose();
            log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} hsm-sim serve: stopped");
            File.Delete(readyFile);
            File.Delete(pidFile);
        }
        return 0;
    }

    private static IssuedBy Issued(string name, TestCa ca, WorldManifest manifest)
    {
        var issued = new Dictionary<BigInteger, DateTime?>();
        foreach (var p in manifest.Personas.Where(p => p.Issuer == name))
            issued[new BigInteger(p.SerialNumberHex, 16)] = p.RevokedAt?.UtcDateTime;
        var pki = manifest.Pki;
        var others = name == "root"
            ? new[] { pki.NesSubCaCertificate, pki.EOnayIssuerCertificate, pki.TsaCertificate }
            : new[] { pki.OcspResponderCertificate };
        foreach (var path in others)
            issued[ReadCertificate(path).SerialNumber] = null;
        return new IssuedBy(name, ca, issued);
    }

    private static void WaitForPort(int port, OpenSslResponder openssl)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (openssl.HasExited)
                throw new WorldException($"openssl ocsp exited at start (port {port} taken?)");
            if (openssl.WaitUntilListening(TimeSpan.FromMilliseconds(50)))
                return;
        }
        throw new WorldException($"openssl ocsp did not listen on port {port}");
    }

    private static async Task<byte[]> Body(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static void Guard(TextWriter log, Action action)
    {
        try { action(); }
        catch (IOException e) { log.WriteLine("hsm-sim serve: " + e.Message); }
    }

    private static string On(bool on) => on ? "on" : "OFF";
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static string Shorten(PathString path) => path.Value is { Length: > 60 } v ? v[..60] + "…" : path.Value ?? "";

    public static X509Certificate ReadCertificate(string path) => new X509CertificateParser().ReadCertificate(File.ReadAllBytes(path));

    public static AsymmetricKeyParameter ReadKey(string path)
    {
        using var reader = new StreamReader(path);
        return new PemReader(reader).ReadObject() switch
        {
            AsymmetricKeyParameter k => k,
            AsymmetricCipherKeyPair pair => pair.Private,
            _ => throw new WorldException($"{path} is not a private key"),
        };
    }
}
