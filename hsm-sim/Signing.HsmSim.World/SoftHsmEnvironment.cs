using System.Runtime.InteropServices;

namespace Signing.HsmSim;

/// <summary>Points SoftHSM at the simulated world's token directory before the module is loaded in this process.</summary>
public static class SoftHsmEnvironment
{
    /// <summary>
    /// SoftHSM reads SOFTHSM2_CONF with getenv() when it is loaded; .NET's Environment.SetEnvironmentVariable does not
    /// reach the C environment, so libc setenv is called too. Does nothing when the variable is already set.
    /// </summary>
    public static void EnsureConf(string confPath)
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SOFTHSM2_CONF")))
            return;
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", confPath);
        if (!OperatingSystem.IsWindows())
            _ = setenv("SOFTHSM2_CONF", confPath, 1);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
