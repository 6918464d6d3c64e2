using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Signing.Load.Cluster;

/// <summary>
/// HAProxy (Debian's haproxy 2.6) in front of the nodes, in the foreground as a child process.
/// <para>
/// Why HAProxy: it balances HTTP/2 per request (per stream), so the one long-lived connection a gRPC client keeps is
/// spread over every node, and it has active health checks, L7 retries and redispatch. nginx's <c>grpc_pass</c> also
/// balances per request but its open-source build has no active health checks (a dead node is found only by failing
/// live calls), and client-side round robin (grpc-dotnet's resolver) needs every client to know every node and to be
/// ours to configure, which a ministry's other systems are not.
/// </para>
/// <para>
/// Health check: a TCP connect on each node's gRPC port every 500 ms, plus <c>observe layer4</c> so a refused
/// connection from live traffic marks a node down at once. The gRPC health protocol is an HTTP/2 POST with a
/// protobuf body and its answer is in trailers, which HAProxy 2.6's checks (HTTP/1.1) cannot speak; an HTTP GET on the
/// REST port can be chosen (<c>HttpCheckPath</c>) when the server offers a readiness path there. A TCP check keeps a
/// node whose PostgreSQL or token is away in rotation: every node shares them, so no other node would do better.
/// </para>
/// <para>
/// Retries: <c>retry-on conn-failure empty-response</c> with redispatch resends a request to another node only when
/// the first node refused the connection or closed it without one byte of answer (it died). A node killed after its
/// commit but before answering falls in the second case: that resend is safe because every write here is idempotent
/// (a submission by its client request id, a decision by its expected version). Anything else (a timeout, an answer
/// cut halfway) goes back to the client, which retries with the same request id.
/// </para>
/// </summary>
public sealed class Haproxy : IAsyncDisposable
{
    private Haproxy(Process process, int port, string configPath, string log)
    {
        Process = process;
        Port = port;
        ConfigPath = configPath;
        Log = log;
    }

    public Process Process { get; }
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public string ConfigPath { get; }
    public string Log { get; }

    public static string? Executable() =>
        new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists);

    public static string Config(int port, IEnumerable<ServerNode> nodes, string? httpCheckPath)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by signing-load cluster; HAProxy runs it in the foreground (haproxy -db -f this file).");
        text.AppendLine("global");
        text.AppendLine("    maxconn 4096");
        text.AppendLine("    log stderr format raw local0 notice");
        text.AppendLine("defaults");
        text.AppendLine("    mode http");
        text.AppendLine("    log global");
        text.AppendLine("    option dontlognull");
        text.AppendLine("    timeout connect 1s");
        // Long: a WatchQueue stream is idle between changes; a unary call's limit is its own gRPC deadline.
        text.AppendLine("    timeout client 1h");
        text.AppendLine("    timeout server 1h");
        text.AppendLine("    timeout http-keep-alive 1h");
        text.AppendLine("    retries 3");
        text.AppendLine("    retry-on conn-failure empty-response");
        text.AppendLine("    option redispatch 1");
        text.AppendLine("frontend grpc");
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"    bind 127.0.0.1:{port} proto h2"));
        text.AppendLine("    default_backend nodes");
        text.AppendLine("backend nodes");
        text.AppendLine("    balance roundrobin");
        if (httpCheckPath is not null)
        {
            text.AppendLine("    option httpchk");
            text.AppendLine($"    http-check send meth GET uri {httpCheckPath}");
            text.AppendLine("    http-check expect status 200");
        }
        text.AppendLine("    default-server inter 500ms fastinter 250ms downinter 500ms rise 2 fall 2 observe layer4 error-limit 1 on-error mark-down");
        foreach (var node in nodes)
        {
            var check = httpCheckPath is null ? "check" : string.Create(CultureInfo.InvariantCulture, $"check port {node.RestPort}");
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"    server {node.Name} 127.0.0.1:{node.GrpcPort} proto h2 {check}"));
        }
        return text.ToString();
    }

    /// <summary>Writes the configuration under <paramref name="directory"/>, checks it (haproxy -c) and starts HAProxy.</summary>
    public static async Task<Haproxy> StartAsync(string directory, IReadOnlyList<ServerNode> nodes, string? httpCheckPath)
    {
        var executable = Executable() ?? throw new InvalidOperationException("haproxy is not installed (./build.sh --target=Bootstrap installs Debian's haproxy)");
        var port = LoadRun.FreePort();
        var configPath = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(configPath, Config(port, nodes, httpCheckPath));
        var log = Path.Combine(directory, "haproxy.log");
        var check = await RunAsync(executable, ["-c", "-q", "-f", configPath]);
        if (check.Code != 0)
            throw new InvalidOperationException($"haproxy -c rejects {configPath}: {check.Output}");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$HAPROXY_LOG\" 2>&1");
        start.ArgumentList.Add(executable);
        start.ArgumentList.Add("-db");
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(configPath);
        start.Environment["HAPROXY_LOG"] = log;
        var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
        var haproxy = new Haproxy(process, port, configPath, log);
        await haproxy.WaitListeningAsync();
        return haproxy;
    }

    private async Task WaitListeningAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"haproxy exited with {Process.ExitCode}; see {Log}");
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"haproxy is not listening on {Port} after 20 s; see {Log}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }
}
