using System.Reflection;
using System.Runtime.InteropServices;

namespace Signing.Tokens;

/// <summary>
/// Process-wide native plumbing that must happen before any PKCS#11 module is loaded.
/// </summary>
public static class Pkcs11Native
{
    private static int _resolverRegistered;

    /// <summary>
    /// Pkcs11Interop 5.3.0 P/Invokes "libdl", which glibc 2.36 (Debian 12) only ships as libdl.so.2.
    /// Map it once per process; calling again is harmless.
    /// </summary>
    public static void EnsureLibdlResolver()
    {
        if (Interlocked.Exchange(ref _resolverRegistered, 1) == 1)
            return;
        NativeLibrary.SetDllImportResolver(typeof(Net.Pkcs11Interop.Common.CKR).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name == "libdl" && OperatingSystem.IsLinux())
        {
            foreach (var candidate in new[] { "libdl.so.2", "libc.so.6" })
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                    return handle;
            }
        }
        return IntPtr.Zero;
    }
}
