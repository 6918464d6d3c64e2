using System.Diagnostics;
using Signing.TestKit;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>
/// The built server DLL started as a process, as the build and the demo start it (appsettings.json from its own
/// directory, the world's server.json through SIGNING_CONFIG), for tests of how it refuses to start.
/// </summary>
public static class ServerStart
{
    public sealed record Outcome(int? ExitCode, TimeSpan Elapsed, string StandardError, string StandardOutput)
    {
        public IReadOnlyList<string> ErrorLines =>
            StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The environment the world's server needs; a test changes or removes entries (null = unset).</summary>
    public static Dictionary<string, string?> WorldEnvironment(string connectionString) => new()
    {
        ["SIGNING_DB"] = connectionString,
        ["SIGNING_CONFIG"] = LocalWorld.ServerConfigPath,
        ["SOFTHSM2_CONF"] = LocalWorld.LoadManifest().SoftHsm2Conf,
        ["SIGNING_SERVER_PIN"] = LocalWorld.LoadManifest().Persona("server-mersin").UserPin,
        // Outside Development the session-token key must be configured.
        ["Signing__Auth__TokenKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["ASPNETCORE_ENVIRONMENT"] = null,
        ["DOTNET_ENVIRONMENT"] = null,
        // Nothing from the test run's own environment may make the start succeed or fail for another reason.
        ["SIGNING_HSM_MANIFEST"] = null,
        ["Logging__LogLevel__Default"] = null,
    };

    /// <summary>The built server (of the tests' own configuration) with <paramref name="environment"/> (null = unset) and <paramref name="args"/>, output redirected.</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(LocalWorld.RepositoryRoot, "src", "Signing.Server", "bin", configuration, "net10.0", "Signing.Server.dll");
        Assert.True(File.Exists(dll), $"the server is not built at {dll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
        {
            if (v is null)
                psi.Environment.Remove(k);
            else
                psi.Environment[k] = v;
        }
        return psi;
    }

    /// <summary>Runs the server until it exits or <paramref name="limit"/> passes (then it is stopped: ExitCode null).</summary>
    public static async Task<Outcome> RunAsync(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args, TimeSpan limit)
    {
        var psi = StartInfo(environment, args);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        int? exitCode;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            exitCode = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            exitCode = null;
        }
        return new Outcome(exitCode, clock.Elapsed, await stderr, await stdout);
    }
}

/// <summary>The built server running as a process of its own until disposed (then killed), its output kept.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private RunningServer(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static RunningServer Start(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        var psi = ServerStart.StartInfo(environment, args);
        return new RunningServer(Process.Start(psi)!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
