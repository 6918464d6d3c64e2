using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Signing.TestKit;

namespace Signing.Desk.Tests.Agent;

/// <summary>
/// The real `esign agent` as a separate process (the built esign.dll) on a free loopback port, with a persona's SoftHSM
/// card. With <c>autoApprove</c> it runs with the test switch and the card's PIN in its environment; without it, it asks
/// on its stdin (<see cref="Input"/>): write the PIN, or an empty line to refuse — after <see cref="WaitForPromptAsync"/>,
/// since lines typed before a prompt are discarded by the agent.
/// </summary>
public sealed partial class AgentProcess : IAsyncDisposable
{
    public const string PinVariable = "SIGNING_TEST_AGENT_PIN";

    private readonly List<string> _arguments;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private Process? _process;

    /// <param name="port">0 = a free port chosen by the agent (read it from <see cref="Port"/> after start).</param>
    public AgentProcess(IEnumerable<string> origins, string persona = "officer-mersin-1", bool autoApprove = true, int timeoutSeconds = 60,
        int port = 0)
    {
        Persona = LocalWorld.LoadManifest().Persona(persona);
        _arguments = ["agent", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--token", Persona.TokenLabel, "--timeout", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        foreach (var origin in origins)
            _arguments.AddRange(["--origin", origin]);
        if (autoApprove)
            _arguments.AddRange(["--approve-without-asking-for-tests", "--pin-env", PinVariable]);
    }

    public Signing.HsmSim.WorldPersona Persona { get; }

    /// <summary>The card's PIN (what the person would type; what must never appear in the agent's output).</summary>
    public string Pin => Persona.UserPin;

    public int Port { get; private set; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>The agent's standard input: a PIN line signs, an empty line refuses.</summary>
    public StreamWriter Input => _process?.StandardInput ?? throw new InvalidOperationException("the agent is not started");

    /// <summary>Everything the agent wrote so far (stdout and stderr, in arrival order).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    public static string EsignDll
    {
        get
        {
            // The test assembly sits in bin/<Configuration>/net10.0: the CLI was built in the same configuration.
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent!.Name;
            var dll = Path.Combine(LocalWorld.RepositoryRoot, "src", "Signing.Cli", "bin", configuration, framework.Name, "esign.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build Signing.sln first");
        }
    }

    public async Task StartAsync()
    {
        _process = Process.Start(StartInfo(_arguments, Pin))!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var listening = await WaitForOutputAsync("esign agent: listening on ", TimeSpan.FromSeconds(60));
        Port = int.Parse(ListeningPort().Match(listening).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs esign with these arguments to its exit (for options it must refuse); exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, string? pin = null)
    {
        using var process = Process.Start(StartInfo(arguments, pin))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("esign " + string.Join(' ', arguments) + " did not exit within 60 s: " + await stderr);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string? pin)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(EsignDll);
        foreach (var argument in arguments)
            psi.ArgumentList.Add(argument);
        var manifest = LocalWorld.LoadManifest();
        psi.Environment["SOFTHSM2_CONF"] = manifest.SoftHsm2Conf;
        // No officer's session of this machine decides which card the agent uses.
        psi.Environment["ESIGN_PROFILE_DIR"] = Path.Combine(Path.GetTempPath(), "esign-agent-test-" + Guid.NewGuid().ToString("N"));
        if (pin is not null)
            psi.Environment[PinVariable] = pin;
        return psi;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _output.AppendLine(line);
    }

    /// <summary>Waits until the output holds <paramref name="text"/> (after <paramref name="after"/> characters); the line it is on.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan? timeout = null, int after = 0)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var output = Output;
            var at = output.IndexOf(text, Math.Min(after, output.Length), StringComparison.Ordinal);
            if (at >= 0)
            {
                var end = output.IndexOf('\n', at);
                var start = output.LastIndexOf('\n', at) + 1;
                return output[start..(end < 0 ? output.Length : end)];
            }
            if (_process is { HasExited: true })
                throw new InvalidOperationException($"the agent exited ({_process.ExitCode}) before writing '{text}':\n{output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the agent did not write '{text}':\n{output}");
            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Waits for a PIN prompt written after <paramref name="after"/> characters of output (take <see cref="Output"/>'s length
    /// before sending the request). The prompt's last line has no newline, so its line before is what is waited for.
    /// </summary>
    public Task WaitForPromptAsync(int after) => WaitForOutputAsync("Enter the PIN to sign", after: after);

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();
}
