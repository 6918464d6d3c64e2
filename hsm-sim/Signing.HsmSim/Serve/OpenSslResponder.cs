using System.Diagnostics;

namespace Signing.HsmSim.Serve;

/// <summary>
/// OpenSSL's own responder (`openssl ocsp -index`) for the NES sub-CA, a second, independent implementation to test
/// clients against. It listens on every interface (openssl ocsp takes a port, not an address). Its pid is kept in a file
/// so a serve that was killed without stopping it is cleaned up by the next one.
/// </summary>
public sealed class OpenSslResponder(WorldManifest manifest, int port, TimeSpan validity, string stateDirectory, TextWriter log) : IDisposable
{
    private Process? _process;
    private Timer? _watchdog;
    private Dictionary<int, long> _lastTicks = [];

    // OpenSSL 3.0's -multi worker that accepts a connection its client already closed loops for ever: read returns 0,
    // it re-checks the index file, re-arms its alarm (so -timeout never fires) and reads again, at 10-15 % of a core
    // each. An answer costs a few milliseconds of CPU, so a worker that used more than SpinningCpu in one watch period
    // (a hundred answers' worth; the tests ask for a handful) is in that loop: it is killed, and the parent forks a fresh one.
    private static readonly TimeSpan WatchPeriod = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SpinningCpu = TimeSpan.FromMilliseconds(200);
    private const int TicksPerSecond = 100;

    public string PidFile => Path.Combine(stateDirectory, "openssl-ocsp.pid");
    public int? Pid => _process is { HasExited: false } p ? p.Id : null;

    public void Start()
    {
        StopLeftover();
        var pki = manifest.Pki;
        // -multi: worker processes, so one request that hangs (a malformed body can) does not stall the responder; the
        // parent makes itself a process-group leader, which lets the group be stopped as one (its workers ignore a SIGTERM
        // sent to the parent alone). -timeout bounds a client that connects and sends nothing.
        var psi = new ProcessStartInfo("openssl")
        {
            ArgumentList =
            {
                "ocsp", "-index", pki.NesSubCaIndex, "-CA", pki.NesSubCaCertificate,
                "-rsigner", pki.OcspResponderCertificate, "-rkey", pki.OcspResponderKey, "-rother", pki.NesSubCaCertificate,
                "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-nmin", Math.Max(1, (int)validity.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-multi", "2", "-timeout", "5", "-ignore_err",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(psi) ?? throw new WorldException("openssl ocsp did not start");
        void Line(string? line)
        {
            if (line is null)
                return;
            log.WriteLine("openssl-ocsp: " + line);
            if (line.StartsWith("ACCEPT", StringComparison.Ordinal))
                _listening.Set();
        }
        _process.OutputDataReceived += (_, e) => Line(e.Data);
        _process.ErrorDataReceived += (_, e) => Line(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Directory.CreateDirectory(stateDirectory);
        File.WriteAllText(PidFile, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _watchdog = new Timer(_ => KillSpinningWorkers(), null, WatchPeriod, WatchPeriod);
    }

    private void KillSpinningWorkers()
    {
        if (_process is not { HasExited: false } parent)
            return;
        var now = ServeProcesses.Children(parent.Id).ToDictionary(c => c.Pid, c => c.CpuTicks);
        foreach (var (pid, ticks) in now)
        {
            if (_lastTicks.TryGetValue(pid, out var before) && ticks - before >= SpinningCpu.TotalSeconds * TicksPerSecond)
            {
                log.WriteLine($"openssl-ocsp: worker {pid} used {(ticks - before) / (double)TicksPerSecond:0.0} s of CPU in {WatchPeriod.TotalSeconds:0} s; restarting it");
                ServeProcesses.Kill(pid);
            }
        }
        _lastTicks = now;
    }

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>
    /// Waits for the responder's "ACCEPT" line. Not by connecting to its port: a connection closed unused is exactly what
    /// sets a worker spinning (above).
    /// </summary>
    public bool WaitUntilListening(TimeSpan timeout) => _listening.Wait(timeout);

    private readonly ManualResetEventSlim _listening = new();

    public void Dispose()
    {
        _watchdog?.Dispose();
        if (_process is null)
            return;
        if (_process is { HasExited: false } p)
        {
            ServeProcesses.TerminateGroup(p.Id);
            if (!p.WaitForExit(5000))
                ServeProcesses.KillGroup(p.Id);
        }
        _process?.Dispose();
        _listening.Dispose();
        _process = null;
        File.Delete(PidFile);
    }

    private void StopLeftover()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid))
            return;
        // Only an openssl responder over this world's index is ours to stop.
        if (ServeProcesses.CommandLine(pid) is { } cmd && cmd.Contains("ocsp", StringComparison.Ordinal)
            && cmd.Contains(manifest.Pki.NesSubCaIndex, StringComparison.Ordinal))
        {
            log.WriteLine($"hsm-sim serve: stopping a leftover openssl ocsp (pid {pid})");
            ServeProcesses.TerminateGroup(pid);
            if (!ServeProcesses.WaitForExit(pid, TimeSpan.FromSeconds(5)))
                ServeProcesses.KillGroup(pid);
        }
        File.Delete(PidFile);
    }
}
