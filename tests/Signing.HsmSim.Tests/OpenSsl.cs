using System.Diagnostics;

namespace Signing.HsmSim.Tests;

public sealed record ToolResult(int ExitCode, string Output)
{
    public ToolResult ShouldSucceed(string what)
    {
        Assert.True(ExitCode == 0, $"{what} failed (exit {ExitCode}):\n{Output}");
        return this;
    }
}

/// <summary>The openssl command line, the independent client every service here is checked against.</summary>
public static class OpenSsl
{
    public static ToolResult Run(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("openssl " + string.Join(' ', args) + " did not end");
        }
        process.WaitForExit();
        return new ToolResult(process.ExitCode, stdout.Result + stderr.Result);
    }
}
