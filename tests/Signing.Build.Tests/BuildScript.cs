using System.Diagnostics;
using System.Text;

namespace Signing.Build.Tests;

/// <summary>What a finished ./build.sh left behind: its exit code and everything it wrote.</summary>
public sealed record ScriptResult(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>Runs ./build.sh of a checkout as a person would, with a deadline.</summary>
public static class BuildScript
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The configuration this test assembly was built in (bin/Debug or bin/Release), so --no-build runs find their output.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <param name="environment">Set (a null value removes the variable) on top of this process's environment.</param>
    public static ScriptResult Run(string checkout, string arguments, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo("bash", $"build.sh {arguments}")
        {
            WorkingDirectory = checkout,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // `dotnet test` hands its MSBuild location to the test host; a nested `dotnet run` must find its own.
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(name);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            psi.Environment[name] = value;
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output)
                throw new TimeoutException($"./build.sh {arguments} did not end within {timeout.TotalSeconds:0} s:\n{output}");
        }
        process.WaitForExit();
        lock (output)
            return new ScriptResult(process.ExitCode, output.ToString(), clock.Elapsed);
    }

    /// <summary>The KEY='value' lines of a checkout's .local/env.</summary>
    public static Dictionary<string, string> ReadEnv(string checkout)
    {
        var file = Path.Combine(checkout, ".local", "env");
        return File.ReadAllLines(file).Where(l => l.IndexOf('=') > 0 && !l.StartsWith('#'))
            .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..].Trim('\''));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln")) && File.Exists(Path.Combine(dir.FullName, "build.cake")))
                return dir.FullName;
        throw new InvalidOperationException("the checkout (Signing.sln, build.cake) not found above " + AppContext.BaseDirectory);
    }
}
