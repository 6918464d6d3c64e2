using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Signing.Load.Cluster;

/// <summary>
/// One server process of a cluster, on ports fixed for its life so the balancer's configuration stays true across a
/// kill and a restart. The database is prepared once by the cluster; a node only connects.
/// </summary>
public sealed class ServerNode
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _args;

    internal ServerNode(int index, string dll, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> args, string log)
    {
        Index = index;
        _dll = dll;
        _environment = environment;
        _args = args;
        Log = log;
        GrpcPort = LoadRun.FreePort();
        RestPort = LoadRun.FreePort();
    }

    public int Index { get; }
    public string Name => $"node{Index + 1}";
    public int GrpcPort { get; }
    public int RestPort { get; }
    public string Url => $"http://127.0.0.1:{GrpcPort}";
    public string Log { get; }
    public Process? Process { get; private set; }
    public bool Running => Process is { HasExited: false };
    /// <summary>The running process's id, read without touching a Process object a restart may be replacing.</summary>
    public int? Pid => Volatile.Read(ref _pid) is var pid and > 0 ? pid : null;
    private int _pid;

    /// <summary>Starts the process and waits (bounded) until its health service says SERVING.</summary>
    public async Task StartAsync()
    {
        if (Running)
            throw new InvalidOperationException($"{Name} is already running");
        // The exited Process object is left to the GC: a sampler on another thread may still be reading it.
        var start = LoadRun.ServerStartInfo(_dll, GrpcPort, RestPort, _args, _environment, Log);
        Process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
        Volatile.Write(ref _pid, Process.Id);
        await LoadRun.WaitServingAsync(Url, Process, Log);
    }

    /// <summary>SIGKILL: no shutdown hook runs, in-flight calls die with their connections, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (Process is not { HasExited: false } p)
            return;
        Volatile.Write(ref _pid, 0);
        if (Signals.Send(p.Id, Signals.Kill) != 0)
            throw new InvalidOperationException($"kill -9 {p.Id} ({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
        await p.WaitForExitAsync();
    }

    /// <summary>SIGTERM and a bounded wait, then SIGKILL.</summary>
    public async Task StopAsync()
    {
        if (Process is not { HasExited: false } p)
            return;
        Volatile.Write(ref _pid, 0);
        Signals.Send(p.Id, Signals.Term);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }
}

/// <summary>POSIX signals by pid (libc kill), for what Process.Kill cannot say: SIGTERM, SIGSTOP, SIGCONT.</summary>
internal static class Signals
{
    public const int Kill = 9, Term = 15, Cont = 18, Stop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int KillNative(int pid, int signal);

    public static int Send(int pid, int signal) => KillNative(pid, signal);
}
