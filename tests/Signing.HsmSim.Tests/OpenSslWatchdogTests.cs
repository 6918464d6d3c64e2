using System.Net.Sockets;
using Signing.TestKit;

namespace Signing.HsmSim.Tests;

/// <summary>A private serve with OpenSSL's responder, for a test that makes its workers misbehave.</summary>
public sealed class OpenSslServe : IDisposable
{
    public PkiServices Pki { get; } = new();
    public PkiServeProcess Serve { get; }

    public OpenSslServe() => Serve = Pki.StartPrivate(new PkiServeOptions { Ocsp = false, Crl = false, Tsa = false });

    public void Dispose() => Pki.Dispose();
}

/// <summary>
/// OpenSSL 3.0's responder workers loop for ever on a connection their client closed before sending anything; serve
/// notices and replaces them, so a test run does not leave cores spinning behind it.
/// </summary>
public sealed class OpenSslWatchdogTests(OpenSslServe fixture) : IClassFixture<OpenSslServe>
{
    [Fact]
    public async Task Workers_stuck_on_closed_connections_are_replaced_and_the_responder_still_answers()
    {
        var url = new Uri(fixture.Serve.Ready.OpensslOcspUrl!);
        var parent = int.Parse(File.ReadAllText(Path.Combine(fixture.Serve.StateDirectory, "openssl-ocsp.pid")).Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEmpty(ServeProcesses.Children(parent));

        // Connections closed before a byte is sent: each one that a worker accepts sets it spinning.
        for (var i = 0; i < 2; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(url.Host, url.Port);
        }

        // The watch period is 10 s; within a few periods the spinning workers are gone and the new ones are idle.
        var quiet = false;
        for (var attempt = 0; attempt < 12 && !quiet; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            var first = ServeProcesses.Children(parent).ToDictionary(c => c.Pid, c => c.CpuTicks);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var second = ServeProcesses.Children(parent).ToDictionary(c => c.Pid, c => c.CpuTicks);
            // A spinning worker uses 10-15 % of a core: 20+ ticks in 2 s. Idle ones use none.
            quiet = File.ReadAllText(fixture.Serve.LogFile).Contains("restarting it", StringComparison.Ordinal)
                    && second.Count > 0 && second.All(c => !first.TryGetValue(c.Key, out var t) || c.Value - t < 10);
        }
        Assert.True(quiet, "no spinning worker was replaced, or the workers kept spinning after clients closed idle connections");

        var manifest = fixture.Pki.Manifest;
        var result = OpenSsl.Run("ocsp", "-issuer", manifest.Pki.NesSubCaCertificate, "-cert", manifest.Persona("doctor").CertificatePath,
            "-url", url.ToString(), "-CAfile", manifest.Pki.RootCertificate).ShouldSucceed("openssl ocsp");
        Assert.Matches(@"doctor\.pem: good", result.Output);
    }
}
