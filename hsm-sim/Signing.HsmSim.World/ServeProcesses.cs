using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Signing.HsmSim;

/// <summary>
/// Finding and stopping the `hsm-sim serve` of a world (and the processes it starts) by pid, never by name: a pid is
/// only acted on when /proc says it is still the process the ready file names.
/// </summary>
public static class ServeProcesses
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>The process's command line (arguments joined by spaces), or null when it does not exist.</summary>
    public static string? CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return raw.Length == 0 ? null : System.Text.Encoding.UTF8.GetString(raw).Replace('\0', ' ').TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether pid is a running `hsm-sim serve` of the world directory given.</summary>
    public static bool IsServeOf(int pid, string worldDirectory)
    {
        var cmd = CommandLine(pid);
        if (cmd is null || !cmd.Contains("hsm-sim", StringComparison.Ordinal) || !cmd.Contains(" serve", StringComparison.Ordinal))
            return false;
        return cmd.Contains(Path.GetFullPath(worldDirectory).TrimEnd('/'), StringComparison.Ordinal);
    }

    /// <summary>The ready file of a live serve of this world, or null.</summary>
    public static ServeReady? Running(string worldDirectory, string readyFile)
    {
        var ready = ServeReady.TryLoad(readyFile);
        return ready is not null && IsServeOf(ready.Pid, worldDirectory) ? ready : null;
    }

    /// <summary>Stops the serve the ready file names (SIGTERM, then SIGKILL after the grace period); true if one ran.</summary>
    public static bool Stop(string worldDirectory, string readyFile, TimeSpan grace)
    {
        if (Running(worldDirectory, readyFile) is not { } ready)
            return false;
        Terminate(ready.Pid);
        if (!WaitForExit(ready.Pid, grace))
        {
            _ = kill(ready.Pid, SigKill);
            WaitForExit(ready.Pid, TimeSpan.FromSeconds(5));
        }
        return true;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> Handed = new();

    /// <summary>
    /// A port free now, for something to bind later (a taken one makes that bind fail loudly, not guess). The kernel may
    /// offer a just-closed port again, so a port is handed out at most once per process: two servers of one test process
    /// (or the gRPC and REST ports of one) never get the same number.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        while (true)
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (Handed.TryAdd(port, true))
                return port;
        }
    }

    public static void Terminate(int pid) => _ = kill(pid, SigTerm);

    /// <summary>SIGTERM to every process of the group the leader <paramref name="pid"/> heads.</summary>
    public static void TerminateGroup(int pid) => _ = kill(-pid, SigTerm);

    public static void KillGroup(int pid) => _ = kill(-pid, SigKill);

    public static void Kill(int pid) => _ = kill(pid, SigKill);

    /// <summary>The children of <paramref name="parent"/> with the CPU time each has used (user + system, in clock ticks).</summary>
    public static IReadOnlyList<(int Pid, long CpuTicks)> Children(int parent)
    {
        var children = new List<(int, long)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command's closing parenthesis: state ppid ... utime (14th field) stime (15th).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
                    children.Add((pid, long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                                       + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return children;
    }

    public static bool WaitForExit(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (!Alive(pid))
                return true;
            Thread.Sleep(50);
        }
        return !Alive(pid);
    }

    // A zombie (exited, not yet reaped by its parent) is gone for every purpose here: its ports are closed.
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
