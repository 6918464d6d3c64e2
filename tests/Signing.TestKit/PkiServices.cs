using System.Diagnostics;
using System.Globalization;
using Signing.HsmSim;

namespace Signing.TestKit;

/// <summary>What a test asks of an `hsm-sim serve`: which services answer (the others answer 503) and how long CRLs and OCSP answers live.</summary>
public sealed record PkiServeOptions
{
    public bool Ocsp { get; init; } = true;
    public bool Crl { get; init; } = true;
    public bool Tsa { get; init; } = true;
    public bool OpensslOcsp { get; init; } = true;
    /// <summary>Default (null): serve's own, 7 days.</summary>
    public TimeSpan? CrlValidity { get; init; }
    /// <summary>Default (null): serve's own, 1 hour.</summary>
    public TimeSpan? OcspValidity { get; init; }

    public static PkiServeOptions Default { get; } = new();
}

/// <summary>
/// One `hsm-sim serve` process. It is started detached (its own output file, no pipe to the test host), so the world's
/// serve a fixture restores outlives the test process as the build's Pki target's would; private ones are stopped by
/// <see cref="Dispose"/>.
/// </summary>
public sealed class PkiServeProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _world;
    private readonly bool _private;

    public ServeReady Ready { get; }
    public string StateDirectory { get; }
    public string LogFile { get; }
    public PkiServeOptions Options { get; }

    private PkiServeProcess(string world, string stateDirectory, bool isPrivate, ServeReady ready, PkiServeOptions options)
    {
        _world = world;
        StateDirectory = stateDirectory;
        LogFile = Path.Combine(stateDirectory, "serve.log");
        _private = isPrivate;
        Ready = ready;
        Options = options;
    }

    public int Pid => Ready.Pid;
    public string BaseUrl => Ready.BaseUrl;
    public bool IsRunning => ServeProcesses.IsServeOf(Ready.Pid, _world);

    /// <summary>
    /// Starts a serve of the world in <paramref name="worldDirectory"/>. Null ports: the manifest's (the ones the
    /// certificates name); a state directory of its own keeps its CRLs apart from the world's serve.
    /// </summary>
    public static PkiServeProcess Start(string worldDirectory, PkiServeOptions options, string stateDirectory,
        int? port = null, int? opensslPort = null, bool isPrivate = true)
    {
        worldDirectory = Path.GetFullPath(worldDirectory);
        Directory.CreateDirectory(stateDirectory);
        var readyFile = Path.Combine(stateDirectory, ServeReady.FileName);
        File.Delete(readyFile);
        var args = new List<string> { "serve", "--world", worldDirectory, "--state-dir", stateDirectory };
        if (port is { } p) args.AddRange(["--port", p.ToString(CultureInfo.InvariantCulture)]);
        if (opensslPort is { } op) args.AddRange(["--openssl-port", op.ToString(CultureInfo.InvariantCulture)]);
        if (!options.Ocsp) args.Add("--no-ocsp");
        if (!options.Crl) args.Add("--no-crl");
        if (!options.Tsa) args.Add("--no-tsa");
        if (!options.OpensslOcsp) args.Add("--no-openssl-ocsp");
        if (options.CrlValidity is { } crl) args.AddRange(["--crl-validity", crl.ToString("c", CultureInfo.InvariantCulture)]);
        if (options.OcspValidity is { } ocsp) args.AddRange(["--ocsp-validity", ocsp.ToString("c", CultureInfo.InvariantCulture)]);
        var logFile = Path.Combine(stateDirectory, "serve.log");
        var command = $"exec dotnet {Quote(HsmSimDll())} {string.Join(' ', args.Select(Quote))} >> {Quote(logFile)} 2>&1 < /dev/null";
        // bash puts it in the background and returns: the serve is nobody's child that waits on a pipe.
        var psi = new ProcessStartInfo("bash") { ArgumentList = { "-c", $"({command}) &" }, UseShellExecute = false };
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(name);
        using (var launcher = Process.Start(psi)!)
            launcher.WaitForExit();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (ServeProcesses.Running(worldDirectory, readyFile) is { } ready)
                return new PkiServeProcess(worldDirectory, stateDirectory, isPrivate, ready, options);
            Thread.Sleep(100);
        }
        throw new InvalidOperationException($"hsm-sim serve did not become ready within {StartTimeout.TotalSeconds:0} s; its log {logFile}:\n" +
                                            (File.Exists(logFile) ? File.ReadAllText(logFile) : "(none)"));
    }

    /// <summary>Stops it (SIGTERM; the ports are free when this returns).</summary>
    public void Stop() => ServeProcesses.Stop(_world, Path.Combine(StateDirectory, ServeReady.FileName), TimeSpan.FromSeconds(15));

    public void Dispose()
    {
        if (_private)
            Stop();
    }

    /// <summary>hsm-sim.dll as built beside this test assembly's configuration (TestKit builds it).</summary>
    public static string HsmSimDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        var bin = Path.Combine(LocalWorld.RepositoryRoot, "hsm-sim", "Signing.HsmSim", "bin");
        var candidates = new[] { configuration, "Debug", "Release" }
            .Select(c => Path.Combine(bin, c, "net10.0", "hsm-sim.dll")).Where(File.Exists).ToList();
        return candidates.FirstOrDefault()
               ?? throw new InvalidOperationException($"hsm-sim.dll not found under {bin}: build hsm-sim/Signing.HsmSim");
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// The world's HTTP services for tests: the serve on the ports the certificates name (started by the build's Pki
/// target, or here on demand), and private serves on free ports.
/// <para>
/// Taking a source down: the certificates' AIA and CDP name one port, so a test that needs the world's OCSP, CRL or TSA
/// down replaces the world's serve: <c>pki.Restart(new PkiServeOptions { Ocsp = false })</c> (OCSP answers 503, the rest
/// as usual), or <c>pki.StopWorld()</c> (connection refused for all), then <c>pki.RestoreWorld()</c> to bring it back as
/// the build left it. While it has changed the world's serve, the fixture holds an exclusive lock file
/// (serve/world.lock) that every other process's fixture waits for before it changes or relies on that serve; the
/// restore also happens at dispose. Such tests go in the collection named <see cref="PkiWorld.Collection"/>, which makes xunit run them one
/// after another within a test project.
/// </para>
/// <para>A test that only needs some responder (it passes URLs itself) uses <see cref="StartPrivate"/>: free ports, its
/// own CRL state, no lock, runs in parallel with anything.</para>
/// </summary>
public sealed class PkiServices : IDisposable
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(10);
    private readonly object _gate = new();
    private FileStream? _lock;
    // The lock is held to keep the world's serve as it is (HoldWorld), not because this fixture changed it.
    private bool _holdingOnly;
    private PkiServeProcess? _world;
    private readonly List<PkiServeProcess> _private = [];

    public WorldManifest Manifest { get; }
    public string WorldDirectory { get; }
    public WorldServices Services => Manifest.Services;

    public PkiServices()
    {
        Manifest = LocalWorld.LoadManifest();
        WorldDirectory = Path.GetDirectoryName(Path.GetFullPath(LocalWorld.ManifestPath))!;
    }

    /// <summary>The world's serve as it runs now (null when none answers).</summary>
    public ServeReady? WorldServe => ServeProcesses.Running(WorldDirectory, Services.ReadyFile);

    /// <summary>Makes sure the world's serve runs with the default options (waits while another process has it changed).</summary>
    public ServeReady EnsureWorld()
    {
        lock (_gate)
        {
            if (_lock is not null)
                return RestartLocked(PkiServeOptions.Default);
            using var held = AcquireLock();
            return WorldServe ?? StartWorld(PkiServeOptions.Default).Ready;
        }
    }

    /// <summary>
    /// Keeps the world's serve as the build left it until <see cref="RestoreWorld"/> or dispose (waiting while another process
    /// has it changed): for a test that relies on the serve for a whole run, not only at its start, so that no other
    /// process takes a source down in the middle of it.
    /// </summary>
    public ServeReady HoldWorld()
    {
        lock (_gate)
        {
            if (_lock is null)
            {
                _lock = AcquireLock();
                _holdingOnly = true;
            }
            return WorldServe ?? StartWorld(PkiServeOptions.Default).Ready;
        }
    }

    /// <summary>Replaces the world's serve by one with these options, on the same ports; holds the lock until restored.</summary>
    public ServeReady Restart(PkiServeOptions options)
    {
        lock (_gate)
        {
            _lock ??= AcquireLock();
            _holdingOnly = false;
            return RestartLocked(options);
        }
    }

    /// <summary>Stops the world's serve: every URL in the certificates refuses connections until <see cref="RestoreWorld"/>.</summary>
    public void StopWorld()
    {
        lock (_gate)
        {
            _lock ??= AcquireLock();
            _holdingOnly = false;
            StopWorldLocked();
        }
    }

    /// <summary>The world's serve back with the default options, the lock released.</summary>
    public ServeReady RestoreWorld()
    {
        lock (_gate)
        {
            try
            {
                return _lock is null ? EnsureWorld()
                    : _holdingOnly ? WorldServe ?? StartWorld(PkiServeOptions.Default).Ready
                    : RestartLocked(PkiServeOptions.Default);
            }
            finally
            {
                _lock?.Dispose();
                _lock = null;
                _holdingOnly = false;
            }
        }
    }

    /// <summary>A serve of this world on free ports with its own CRL state (stopped at dispose at the latest).</summary>
    public PkiServeProcess StartPrivate(PkiServeOptions options)
    {
        var state = Directory.CreateTempSubdirectory("hsm-sim-serve-").FullName;
        var port = ServeProcesses.FreeLoopbackPort();
        var serve = PkiServeProcess.Start(WorldDirectory, options, state, port, ServeProcesses.FreeLoopbackPort());
        lock (_gate)
            _private.Add(serve);
        return serve;
    }

    public void Dispose()
    {
        foreach (var serve in _private)
        {
            serve.Dispose();
            try { Directory.Delete(serve.StateDirectory, recursive: true); }
            catch (IOException) { }
        }
        if (_lock is not null)
            RestoreWorld();
    }

    private ServeReady RestartLocked(PkiServeOptions options)
    {
        StopWorldLocked();
        return StartWorld(options).Ready;
    }

    private void StopWorldLocked()
    {
        ServeProcesses.Stop(WorldDirectory, Services.ReadyFile, TimeSpan.FromSeconds(15));
        _world = null;
    }

    private PkiServeProcess StartWorld(PkiServeOptions options) =>
        _world = PkiServeProcess.Start(WorldDirectory, options, Services.ServeDirectory, isPrivate: false);

    private FileStream AcquireLock()
    {
        Directory.CreateDirectory(Services.ServeDirectory);
        var path = Path.Combine(Services.ServeDirectory, "world.lock");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix: held by one process at a time, released if it dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < LockTimeout)
            {
                Thread.Sleep(200);
            }
        }
    }
}

/// <summary>
/// The name of the collection for tests that change the world's serve (take OCSP, CRL or TSA down): they run one after
/// another, sharing one <see cref="PkiServices"/>. xunit wants the definition in the test assembly itself, so each test
/// project declares it:
/// <code>[CollectionDefinition(PkiWorld.Collection)] public sealed class PkiWorldCollection : ICollectionFixture&lt;PkiServices&gt;;</code>
/// </summary>
public static class PkiWorld
{
    public const string Collection = "hsm-sim pki world";
}
