using System.Collections.Concurrent;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Signing.Tokens;

/// <summary>
/// A loaded PKCS#11 module. One instance per module path per process, kept for the life of the process:
/// C_Initialize may run only once per process and C_Finalize would pull the module from under every other
/// user (the server's long-lived session, concurrent tests), so instances are shared and never finalized early.
/// </summary>
public sealed class Pkcs11Module
{
    /// <summary>The environment variable that names the module when --module is not given.</summary>
    public const string ModuleEnvironmentVariable = "SIGNING_PKCS11_MODULE";

    public const string SoftHsm2Path = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>Where the usual modules live: SoftHSM2 (tests), AKİS (Kamu SM cards), OpenSC (generic readers).</summary>
    public static IReadOnlyList<(string Name, string Path)> UsualPaths { get; } =
    [
        ("SoftHSM2", SoftHsm2Path),
        ("AKİS (Linux)", "/usr/lib/libakisp11.so"),
        ("AKİS (Windows)", "akisp11.dll"),
        ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
    ];

    /// <summary>SIGNING_PKCS11_MODULE, else SoftHSM2.</summary>
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable(ModuleEnvironmentVariable) is { Length: > 0 } p ? p : SoftHsm2Path;

    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Module>> Loaded = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, byte> _loggedIn = new(StringComparer.Ordinal);

    // Swapped by Reinitialize; every call reads it afresh.
    private volatile IPkcs11Library _library;
    private readonly object _reinitializeGate = new();

    internal IPkcs11Library Library => _library;

    public string Path { get; }

    /// <summary>Manufacturer and description reported by C_GetInfo.</summary>
    public string Description { get; }

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        Path = path;
        _library = library;
        var info = library.GetInfo();
        Description = $"{info.ManufacturerId.Trim()} {info.LibraryDescription.Trim()} {info.LibraryVersion}".Trim();
    }

    /// <summary>Loads (once per process) the module at <paramref name="path"/>, or <see cref="DefaultPath"/>.</summary>
    /// <exception cref="ModuleNotFoundException">the file is missing or is not a PKCS#11 module.</exception>
    public static Pkcs11Module Load(string? path = null)
    {
        var modulePath = string.IsNullOrWhiteSpace(path) ? DefaultPath : path;
        // A path with a directory must exist; a bare name (akisp11.dll) is left to the loader's search path.
        var key = modulePath.Contains('/') || modulePath.Contains('\\') ? System.IO.Path.GetFullPath(modulePath) : modulePath;
        var lazy = Loaded.GetOrAdd(key, k => new Lazy<Pkcs11Module>(() => LoadCore(k), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // Do not cache a failure: the module may be installed a minute later.
            Loaded.TryRemove(new KeyValuePair<string, Lazy<Pkcs11Module>>(key, lazy));
            throw;
        }
    }

    private static Pkcs11Module LoadCore(string path)
    {
        if ((path.Contains('/') || path.Contains('\\')) && !File.Exists(path))
            throw new ModuleNotFoundException(path, new FileNotFoundException("no such file", path));
        Pkcs11Native.EnsureLibdlResolver();
        var factories = new Pkcs11InteropFactories();
        IPkcs11Library? library = null;
        try
        {
            library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, path, AppType.MultiThreaded);
            return new Pkcs11Module(path, library);
        }
        catch (Exception e) when (e is not TokenException)
        {
            library?.Dispose();
            throw new ModuleNotFoundException(path, e);
        }
    }

    /// <summary>All slots (with or without a token).</summary>
    public IReadOnlyList<TokenSlot> ListSlots(bool withTokenOnly = false)
    {
        var result = new List<TokenSlot>();
        foreach (var slot in Library.GetSlotList(withTokenOnly ? SlotsType.WithTokenPresent : SlotsType.WithOrWithoutTokenPresent))
        {
            var slotInfo = slot.GetSlotInfo();
            if (!slotInfo.SlotFlags.TokenPresent)
            {
                result.Add(new TokenSlot(slot.SlotId, slotInfo.SlotDescription.Trim(), false, null, null, null, null, null));
                continue;
            }
            ITokenInfo token;
            try
            {
                token = slot.GetTokenInfo();
            }
            catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_DEVICE_REMOVED
                                                 or CKR.CKR_GENERAL_ERROR)
            {
                result.Add(new TokenSlot(slot.SlotId, slotInfo.SlotDescription.Trim(), false, null, null, null, null, null));
                continue;
            }
            result.Add(new TokenSlot(slot.SlotId, slotInfo.SlotDescription.Trim(), true, token.Label.Trim(),
                token.SerialNumber.Trim(), token.ManufacturerId.Trim(), token.Model.Trim(), ToFlags(token.TokenFlags)));
        }
        return result;
    }

    /// <summary>Initialised tokens only (SoftHSM always shows one empty, uninitialised slot).</summary>
    public IReadOnlyList<TokenSlot> ListTokens() =>
        ListSlots(withTokenOnly: true).Where(s => s.TokenPresent && s.Flags!.TokenInitialized).ToList();

    /// <summary>
    /// Certificates of a token with their key pairs, read without logging in (so <see cref="TokenCertificate.HasPrivateKey"/>
    /// is null unless the token shows private keys publicly). <paramref name="label"/> null = the only token present.
    /// </summary>
    public IReadOnlyList<TokenCertificate> ListCertificates(string? label)
    {
        var (slot, info) = FindSlot(label);
        using var session = slot.OpenSession(SessionType.ReadOnly);
        return TokenObjects.ListCertificates(session, loggedIn: false);
    }

    /// <summary>
    /// Logs in to the token and keeps the session: the one logged-in session for this token in this process.
    /// The PIN source is asked now and again only if the token has to be re-opened (pulled out and put back).
    /// </summary>
    /// <param name="label">Token label; null = the only initialised token present.</param>
    public TokenSession Login(string? label, IPinSource pin, TokenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pin);
        var (slot, info) = FindSlot(label);
        var tokenLabel = info.Label.Trim();
        if (!_loggedIn.TryAdd(tokenLabel, 0))
            throw new TokenException(TokenErrorKind.TokenBusy,
                $"token '{tokenLabel}' is already logged in by another holder in this process; share that TokenSession");
        try
        {
            return new TokenSession(this, tokenLabel, info.SerialNumber.Trim(), slot, pin, options ?? new TokenOptions());
        }
        catch
        {
            _loggedIn.TryRemove(tokenLabel, out _);
            throw;
        }
    }

    /// <summary>
    /// C_Finalize then C_Initialize, when no token of this module is logged in in this process (false otherwise: their
    /// sessions would die with it). SoftHSM 2.6 needs it to see a token again: when a token's directory disappears, its
    /// C_GetTokenInfo answers CKR_GENERAL_ERROR and C_GetSlotList stops listing it, and it stays so after the directory is
    /// restored, for every call of the running process, until the module is initialised again (then the token is listed,
    /// and C_OpenSession + C_Login + C_Sign work). A real card reader reports re-insertion without this; for it the
    /// round trip costs a few milliseconds.
    /// </summary>
    public bool Reinitialize()
    {
        lock (_reinitializeGate)
        {
            if (!_loggedIn.IsEmpty)
                return false;
            try
            {
                _library.Dispose();
            }
            catch (Pkcs11Exception)
            {
                // Finalising a module in trouble may fail; the new initialisation is what matters.
            }
            var factories = new Pkcs11InteropFactories();
            _library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, Path, AppType.MultiThreaded);
            return true;
        }
    }

    internal void Release(string tokenLabel) => _loggedIn.TryRemove(tokenLabel, out _);

    internal (ISlot Slot, ITokenInfo Info) FindSlot(string? label, string? serial = null)
    {
        var candidates = new List<(ISlot, ITokenInfo)>();
        foreach (var slot in Library.GetSlotList(SlotsType.WithTokenPresent))
        {
            ITokenInfo info;
            try
            {
                info = slot.GetTokenInfo();
            }
            catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_DEVICE_REMOVED
                                                 or CKR.CKR_GENERAL_ERROR)
            {
                // SoftHSM still lists a token whose directory went away, and answers CKR_GENERAL_ERROR for it.
                continue;
            }
            if (!info.TokenFlags.TokenInitialized)
                continue;
            if (label is not null && info.Label.Trim() != label)
                continue;
            if (serial is not null && info.SerialNumber.Trim() != serial)
                continue;
            candidates.Add((slot, info));
        }
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new NoTokenException(label, label is null
                ? $"no token found through module '{Path}'; insert the card or check the reader"
                : $"no token labelled '{label}' found through module '{Path}'"),
            _ => throw new NoTokenException(label, label is null
                ? $"{candidates.Count} tokens are present; choose one with --token ({string.Join(", ", candidates.Select(c => c.Item2.Label.Trim()))})"
                : $"{candidates.Count} tokens are labelled '{label}'"),
        };
    }

    internal static TokenFlags ToFlags(ITokenFlags f) => new(
        f.LoginRequired, f.UserPinInitialized, f.UserPinCountLow, f.UserPinFinalTry, f.UserPinLocked,
        f.UserPinToBeChanged, f.ProtectedAuthenticationPath, f.TokenInitialized);
}
