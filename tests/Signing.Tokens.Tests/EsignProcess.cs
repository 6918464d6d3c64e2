using Signing.TestKit;

namespace Signing.Tokens.Tests;

/// <summary>`esign` run as a child process, with SOFTHSM2_CONF in its own environment, as a person or a script would.</summary>
internal static class EsignProcess
{
    private static readonly string Esign = FindEsign();

    private static string FindEsign()
    {
        // Same configuration as this test assembly (bin/<Configuration>/net10.0/).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        return Path.Combine(LocalWorld.RepositoryRoot, "src", "Signing.Cli", "bin", configuration, "net10.0", "esign.dll");
    }

    public static (int Exit, string Stdout, string Stderr) Run(TokenWorld world, IEnumerable<string> args,
        IDictionary<string, string?>? env = null, string? stdin = null, string? softHsmConf = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["SOFTHSM2_CONF"] = softHsmConf ?? world.Manifest.SoftHsm2Conf,
            ["SIGNING_PKCS11_MODULE"] = world.Manifest.Pkcs11Module,
        };
        if (env is not null)
            foreach (var (k, v) in env)
                environment[k] = v;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Esign);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
            psi.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
