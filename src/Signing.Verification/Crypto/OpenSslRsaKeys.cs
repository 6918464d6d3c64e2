using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Signing.Verification;

/// <summary>
/// Builds an RSA public key for .NET's <see cref="RSAOpenSsl"/> directly from modulus and exponent, bypassing .NET's
/// import. On OpenSSL 3.0 (Debian 12) every <c>RSA.ImportParameters</c> / <c>ImportSubjectPublicKeyInfo</c> goes through
/// OpenSSL's OSSL_DECODER framework, which builds its decoder chain anew per call and costs several times the verify
/// itself (figures: bench/Signing.Benchmarks/README.md). Every submission brings a never-seen applicant key, so that
/// import is the largest single cost of a new-leaf verification. The key built here is the same EVP_PKEY an import yields (an RSA key with n and e); the
/// verify is still OpenSSL's, through .NET.
/// </summary>
/// <remarks>
/// Used only where it cannot change a verdict: Linux, .NET bound to OpenSSL 3 (so this libcrypto is the one .NET uses),
/// and keys .NET's import would accept as they are (odd modulus of 1024–16384 bits, odd exponent ≥ 3 of at most 64 bits).
/// Anything else, or any failure here, returns null and the caller imports through .NET.
/// </remarks>
internal static class OpenSslRsaKeys
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int EvpPkeyRsa = 6; // NID_rsaEncryption

    /// <summary>0 = not tried, 1 = works, -1 = unavailable (wrong platform, library or OpenSSL version).</summary>
    private static int state;

    public static RSA? TryCreate(byte[] modulus, byte[] exponent)
    {
        if (Volatile.Read(ref state) < 0 || !Suitable(modulus, exponent))
            return null;
        if (!OperatingSystem.IsLinux())
        {
            Volatile.Write(ref state, -1);
            return null;
        }
        try
        {
            if (state == 0 && (SafeEvpPKeyHandle.OpenSslVersion >> 28) != 3)
            {
                Volatile.Write(ref state, -1);
                return null;
            }
            var rsa = Create(modulus, exponent);
            if (rsa is not null)
                Volatile.Write(ref state, 1);
            return rsa;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
                                      or PlatformNotSupportedException or TypeInitializationException)
        {
            Volatile.Write(ref state, -1);
            return null;
        }
        catch (CryptographicException)
        {
            // This key only: .NET's import then gives the answer it always gave.
            return null;
        }
    }

    /// <summary>Keys whose import by .NET is a plain copy of n and e (see the remarks of the class).</summary>
    internal static bool Suitable(byte[] modulus, byte[] exponent) =>
        modulus.Length is >= 128 and <= 2048 && modulus[0] != 0 && (modulus[^1] & 1) == 1
        && exponent.Length is >= 1 and <= 8 && exponent[0] != 0 && (exponent[^1] & 1) == 1
        && (exponent.Length > 1 || exponent[0] >= 3);

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static RSA? Create(byte[] modulus, byte[] exponent)
    {
        var n = BN_bin2bn(modulus, modulus.Length, IntPtr.Zero);
        var e = BN_bin2bn(exponent, exponent.Length, IntPtr.Zero);
        var rsa = RSA_new();
        if (n == IntPtr.Zero || e == IntPtr.Zero || rsa == IntPtr.Zero || RSA_set0_key(rsa, n, e, IntPtr.Zero) != 1)
        {
            BN_free(n);
            BN_free(e);
            RSA_free(rsa);
            return null;
        }
        // From here the RSA owns n and e.
        var pkey = EVP_PKEY_new();
        if (pkey == IntPtr.Zero || EVP_PKEY_assign(pkey, EvpPkeyRsa, rsa) != 1)
        {
            RSA_free(rsa);
            EVP_PKEY_free(pkey);
            return null;
        }
        // From here the EVP_PKEY owns the RSA; RSAOpenSsl takes its own reference, the handle drops ours.
        using var handle = new SafeEvpPKeyHandle(pkey, ownsHandle: true);
        return new RSAOpenSsl(handle);
    }

    [DllImport(LibCrypto)] private static extern IntPtr BN_bin2bn(byte[] s, int len, IntPtr ret);
    [DllImport(LibCrypto)] private static extern void BN_free(IntPtr a);
    [DllImport(LibCrypto)] private static extern IntPtr RSA_new();
    [DllImport(LibCrypto)] private static extern void RSA_free(IntPtr r);
    [DllImport(LibCrypto)] private static extern int RSA_set0_key(IntPtr r, IntPtr n, IntPtr e, IntPtr d);
    [DllImport(LibCrypto)] private static extern IntPtr EVP_PKEY_new();
    [DllImport(LibCrypto)] private static extern void EVP_PKEY_free(IntPtr pkey);
    [DllImport(LibCrypto)] private static extern int EVP_PKEY_assign(IntPtr pkey, int type, IntPtr key);
}
