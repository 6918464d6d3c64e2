using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Signing.Verification;

/// <summary>
/// PKCS#1 v1.5 RSA verification with SHA-256/384/512 through an initialised EVP_PKEY_CTX kept per key and reused.
/// .NET's <c>RSA.VerifyHash</c> makes, initialises and frees a context on every call (a sizeable share of the verify); the
/// sub-CA's key verifies every new leaf, so its contexts are kept (a few, one per concurrent caller, per hash). A key's
/// first verify is left to .NET (see <see cref="IsValid"/>).
/// </summary>
/// <remarks>
/// Only a "valid" answer is taken from here: OpenSSL's EVP_PKEY_verify returning 1 with exactly the settings .NET's
/// verify uses (the same key object, PKCS#1 padding, the signature digest). Anything else — an invalid or malformed
/// signature, an OpenSSL error, another platform — returns false and the caller asks .NET, whose answer and messages
/// stay as they were. Contexts are SafeHandles: freed when the pool is full, and by finalisation with their key.
/// </remarks>
internal sealed class OpenSslRsaVerifier
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int RsaPkcs1Padding = 1;

    private static readonly int Slots = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>0 = not tried, 1 = works, -1 = unavailable (then every call returns false at once).</summary>
    private static int state;

    private readonly RSAOpenSsl key;
    /// <summary>Idle contexts per hash (SHA-256, SHA-384, SHA-512), each taken by one caller at a time; made on the second use.</summary>
    private ContextHandle?[][]? idle;
    private int uses;

    private OpenSslRsaVerifier(RSAOpenSsl key) => this.key = key;

    /// <summary>A verifier for an RSA key of .NET's OpenSSL implementation; null elsewhere (the caller uses .NET alone).</summary>
    public static OpenSslRsaVerifier? For(RSA rsa) =>
        OperatingSystem.IsLinux() && Volatile.Read(ref state) >= 0 && rsa is RSAOpenSsl openSsl ? new OpenSslRsaVerifier(openSsl) : null;

    /// <summary>True only when the signature verifies (see the remarks of the class); false means "ask .NET".</summary>
    public bool IsValid(string hash, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var index = hash switch { "SHA256" => 0, "SHA384" => 1, "SHA512" => 2, _ => -1 };
        if (index < 0 || Volatile.Read(ref state) < 0 || !OperatingSystem.IsLinux())
            return false;
        // A key's first verify goes to .NET: a context used once costs more here than .NET's own. Most keys
        // (applicants') verify once; the ones that verify again (CA keys) get their contexts kept from then on.
        if (Volatile.Read(ref uses) == 0 && Interlocked.Increment(ref uses) == 1)
            return false;
        if (Volatile.Read(ref idle) is null)
            Interlocked.CompareExchange(ref idle, [new ContextHandle?[Slots], new ContextHandle?[Slots], new ContextHandle?[Slots]], null);
        Span<byte> digest = stackalloc byte[64];
        var length = index switch
        {
            0 => SHA256.HashData(data, digest),
            1 => SHA384.HashData(data, digest),
            _ => SHA512.HashData(data, digest),
        };
        try
        {
            var ctx = Take(index) ?? NewContext(index);
            if (ctx is null)
                return false;
            var ok = Native.EVP_PKEY_verify(ctx, ref MemoryMarshal.GetReference(signature), signature.Length,
                ref MemoryMarshal.GetReference(digest), length) == 1;
            if (!ok)
                Native.ERR_clear_error(); // leave no error behind for .NET's next call on this thread
            Return(index, ctx);
            return ok;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            Volatile.Write(ref state, -1);
            return false;
        }
    }

    private ContextHandle? Take(int index)
    {
        var slots = idle![index];
        for (var i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is not null && Interlocked.Exchange(ref slots[i], null) is { } ctx)
                return ctx;
        }
        return null;
    }

    private void Return(int index, ContextHandle ctx)
    {
        var slots = idle![index];
        for (var i = 0; i < slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref slots[i], ctx, null) is null)
                return;
        }
        ctx.Dispose(); // pool full: more concurrent callers than slots
    }

    /// <summary>A context for this key set up as .NET's verify sets it up: verify, PKCS#1 v1.5 padding, the digest.</summary>
    [SupportedOSPlatform("linux")]
    private ContextHandle? NewContext(int index)
    {
        if (Volatile.Read(ref state) == 0 && (SafeEvpPKeyHandle.OpenSslVersion >> 28) != 3)
        {
            Volatile.Write(ref state, -1);
            return null;
        }
        using var pkey = key.DuplicateKeyHandle();
        // The context takes its own reference to the key: the duplicate handle can go.
        var raw = Native.EVP_PKEY_CTX_new(pkey, IntPtr.Zero);
        if (raw == IntPtr.Zero)
        {
            Native.ERR_clear_error();
            return null;
        }
        var ctx = new ContextHandle(raw);
        var md = index switch { 0 => Native.EVP_sha256(), 1 => Native.EVP_sha384(), _ => Native.EVP_sha512() };
        if (md == IntPtr.Zero || Native.EVP_PKEY_verify_init(ctx) != 1 || Native.EVP_PKEY_CTX_set_rsa_padding(ctx, RsaPkcs1Padding) != 1
            || Native.EVP_PKEY_CTX_set_signature_md(ctx, md) != 1)
        {
            Native.ERR_clear_error();
            ctx.Dispose();
            return null;
        }
        Volatile.Write(ref state, 1);
        return ctx;
    }

    private sealed class ContextHandle : SafeHandle
    {
        public ContextHandle(IntPtr ctx) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(ctx);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle()
        {
            Native.EVP_PKEY_CTX_free(handle);
            return true;
        }
    }

    private static class Native
    {
        [DllImport(LibCrypto)] public static extern IntPtr EVP_PKEY_CTX_new(SafeEvpPKeyHandle pkey, IntPtr engine);
        [DllImport(LibCrypto)] public static extern void EVP_PKEY_CTX_free(IntPtr ctx);
        [DllImport(LibCrypto)] public static extern int EVP_PKEY_verify_init(ContextHandle ctx);
        [DllImport(LibCrypto)] public static extern int EVP_PKEY_CTX_set_rsa_padding(ContextHandle ctx, int padding);
        [DllImport(LibCrypto)] public static extern int EVP_PKEY_CTX_set_signature_md(ContextHandle ctx, IntPtr md);
        [DllImport(LibCrypto)] public static extern int EVP_PKEY_verify(ContextHandle ctx, ref byte sig, nint siglen, ref byte tbs, nint tbslen);
        [DllImport(LibCrypto)] public static extern IntPtr EVP_sha256();
        [DllImport(LibCrypto)] public static extern IntPtr EVP_sha384();
        [DllImport(LibCrypto)] public static extern IntPtr EVP_sha512();
        [DllImport(LibCrypto)] public static extern void ERR_clear_error();
    }
}
