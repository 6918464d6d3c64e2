using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Signing.Demo;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed);

/// <summary>Runs `dotnet esign.dll …` as a child process: one process per step, as a person at a desk would.</summary>
public sealed class EsignRunner(string esignDll, IReadOnlyDictionary<string, string> baseEnvironment)
{
    /// <summary>A step that has not ended by then is stuck (waiting on a lock, a dead server): it is killed and fails.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    public string EsignDll { get; } = esignDll;

    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment,
        string workingDirectory, CancellationToken cancel)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(EsignDll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in baseEnvironment)
            psi.Environment[k] = v;
        foreach (var (k, v) in environment)
            psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started");
        // No terminal behind stdin: esign must never wait for a question or a PIN prompt.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(StepTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancel.ThrowIfCancellationRequested();
            return new ProcessResult(-1, await stdout, $"esign did not end within {StepTimeout.TotalSeconds:0} s and was stopped\n" + await stderr, clock.Elapsed);
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}

/// <summary>The grpc.health.v1 check: the server is ready when it answers SERVING.</summary>
public static class ServerHealth
{
    public static async Task WaitServingAsync(string address, TimeSpan timeout, CancellationToken cancel = default)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancel);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                    return;
                last = reply.Status.ToString();
            }
            catch (Grpc.Core.RpcException e)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }
            await Task.Delay(250, cancel);
        }
        throw new TimeoutException($"the server at {address} was not SERVING within {timeout.TotalSeconds:0} s ({last})");
    }
}

/// <summary>
/// The server as a child process on free loopback ports, with the hsm-sim world's environment and a random courier
/// (system client) key. The demo test starts it, and so does the demo's own --start-server (<see cref="DemoServer"/>).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private StreamWriter? _logFile;

    public int GrpcPort { get; }
    public int RestPort { get; }
    public string Address => $"http://127.0.0.1:{GrpcPort}";
    public string CourierKey { get; }

    private ServerProcess(Process process, int grpcPort, int restPort, string courierKey, string? logFile)
    {
        _process = process;
        _logFile = logFile is null ? null : new StreamWriter(logFile) { AutoFlush = true };
        GrpcPort = grpcPort;
        RestPort = restPort;
        CourierKey = courierKey;
    }

    /// <summary>What the server wrote so far (for a failure message).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>`dotnet Signing.Server.dll` in its own directory (appsettings.json is read from there), output captured.</summary>
    private static ProcessStartInfo ServerStartInfo(string serverDll)
    {
        if (!File.Exists(serverDll))
            throw new FileNotFoundException($"server not built: {serverDll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
        };
        psi.ArgumentList.Add(serverDll);
        return psi;
    }

    /// <summary>`Signing.Server migrate` as the owner of the database <paramref name="ownerConnectionString"/> names.</summary>
    public static async Task<ProcessResult> MigrateAsync(string serverDll, string ownerConnectionString, CancellationToken cancel)
    {
        var psi = ServerStartInfo(serverDll);
        psi.ArgumentList.Add("migrate");
        psi.Environment["SIGNING_DB_OWNER"] = ownerConnectionString;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(cancel);
        return new ProcessResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <param name="logFile">Where every line the server writes is kept as well (the in-memory <see cref="Log"/> keeps the tail only).</param>
    public static async Task<ServerProcess> StartAsync(string serverDll, IReadOnlyDictionary<string, string> environment, TimeSpan readyTimeout,
        string? logFile = null)
    {
        var psi = ServerStartInfo(serverDll);
        var grpcPort = FreeLoopbackPort();
        var restPort = FreeLoopbackPort();
        var courierKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        psi.ArgumentList.Add($"--Signing:GrpcPort={grpcPort}");
        psi.ArgumentList.Add($"--Signing:RestPort={restPort}");
        foreach (var (k, v) in environment)
            psi.Environment[k] = v;
        psi.Environment["Signing__Auth__SystemKeys__courier"] = courierKey;
        // Outside Development the server refuses to start without a session-token key: one per demo server.
        psi.Environment["Signing__Auth__TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // What the demo's courier does: records Mersin's delivery events and reads the applications back.
        psi.Environment["Signing__Auth__SystemClients__courier__Scopes__0"] = "delivery:record";
        psi.Environment["Signing__Auth__SystemClients__courier__Scopes__1"] = "applications:read";
        psi.Environment["Signing__Auth__SystemClients__courier__Tenants__0"] = "33";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet could not be started");
        var server = new ServerProcess(process, grpcPort, restPort, courierKey, logFile);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var exited = new CancellationTokenSource();
            var waitExit = process.WaitForExitAsync(exited.Token);
            var ready = ServerHealth.WaitServingAsync(server.Address, readyTimeout, exited.Token);
            if (await Task.WhenAny(ready, waitExit) == waitExit)
                throw new InvalidOperationException($"the server exited with code {process.ExitCode} before it was ready:\n{server.Log}");
            exited.Cancel();
            await ready;
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
        {
            // Keep the tail only: a long run must not grow without bound.
            if (_log.Length > 200_000)
                _log.Remove(0, 100_000);
            _log.AppendLine(line);
            _logFile?.WriteLine(line);
        }
    }

    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        // Under the lock: a line still on its way must not reach a closed file.
        lock (_log)
        {
            _logFile?.Dispose();
            _logFile = null;
        }
    }
}
