using System.Diagnostics;
using Signing.HsmSim;

namespace Signing.TestKit;

/// <summary>
/// Where the local world is: the repository, .local/env (written by the build's Db target), the hsm-sim manifest and
/// the server configuration hsm-sim writes beside it.
/// Environment variables (set by ./build.sh --target=Test) win over the files.
/// </summary>
public static class LocalWorld
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly object BuildLock = new();

    public static string RepositoryRoot => Root.Value;

    public static string SharedDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    /// <summary>A value from the process environment, else from .local/env.</summary>
    public static string? Setting(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(value))
            return value;
        var file = Path.Combine(RepositoryRoot, ".local", "env");
        if (!File.Exists(file))
            return null;
        foreach (var line in File.ReadAllLines(file))
        {
            var i = line.IndexOf('=');
            if (i > 0 && !line.StartsWith('#') && line[..i] == name)
                return line[(i + 1)..].Trim('\'');
        }
        return null;
    }

    public static string ManifestPath =>
        Setting("SIGNING_HSM_MANIFEST") ?? Path.Combine(RepositoryRoot, ".local", "hsm", "manifest.json");

    /// <summary>The server's configuration file for this world (what SIGNING_CONFIG names when the build starts the server).</summary>
    public static string ServerConfigPath =>
        Setting("SIGNING_CONFIG") ?? Path.Combine(Path.GetDirectoryName(ManifestPath)!, ServerFiles.ServerFileName);

    /// <summary>The world's trust configuration file (trust.json, written by hsm-sim beside the manifest).</summary>
    public static string TrustConfigurationPath => Path.Combine(Path.GetDirectoryName(ManifestPath)!, WorldTrust.FileName);

    /// <summary>
    /// Runs a build target (Db, HsmSim) when a test is started outside ./build.sh and the world is missing.
    /// Serialised: two fixtures must not start two databases.
    /// </summary>
    public static void EnsureBuilt(string target, Func<bool> isReady)
    {
        lock (BuildLock)
        {
            if (isReady())
                return;
            var psi = new ProcessStartInfo("bash", $"build.sh --target={target}")
            {
                WorkingDirectory = RepositoryRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0 || !isReady())
                throw new InvalidOperationException(
                    $"./build.sh --target={target} failed (exit {process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
    }

    public static WorldManifest LoadManifest()
    {
        // A world built before hsm-sim wrote the server's files is brought up to date by running it again.
        EnsureBuilt("HsmSim", () => File.Exists(ManifestPath) && File.Exists(ServerConfigPath) && File.Exists(TrustConfigurationPath));
        return WorldManifest.Load(ManifestPath);
    }

    private static string FindRepositoryRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SIGNING_REPO");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, "Signing.sln")))
            return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Signing.sln not found above " + AppContext.BaseDirectory);
    }
}
