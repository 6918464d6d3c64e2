using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Signing.Tokens;

/// <summary>
/// The one logged-in session of a token in this process (see <see cref="Pkcs11Module.Login"/>). Thread-safe:
/// PKCS#11 sessions are not, so every operation is serialised on one lock — a token signs one thing at a time anyway.
/// Many signatures per login. When the session is lost (token pulled and put back, CKR_SESSION_HANDLE_INVALID,
/// CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_USER_NOT_LOGGED_IN…) the next operation finds the token again by
/// label and serial, opens a session, asks the PIN source again, and retries once.
/// </summary>
public sealed class TokenSession : IDisposable
{
    private readonly object _gate = new();
    private readonly IPinSource _pin;
    private ISession? _session;
    private ISlot _slot;
    private HashSet<CKM> _mechanisms;
    private int _generation;
    private bool _disposed;

    // Resolved private-key handles (session copies, or the token object where the copy was refused) of one
    // generation, by CKA_ID hex, shared by every SigningKey of this session: asking for the key again must not make
    // another copy (each would live as long as the session). Only used with SignWithSessionCopy; under _gate.
    private readonly Dictionary<string, IObjectHandle> _keyHandles = new(StringComparer.Ordinal);
    private int _keyHandlesGeneration = -1;

    public Pkcs11Module Module { get; }
    public string Label { get; }
    public string SerialNumber { get; }
    public TokenOptions Options { get; }

    /// <summary>Certificates on the token with their key pairs, read at login.</summary>
    public IReadOnlyList<TokenCertificate> Certificates { get; }

    /// <summary>How many times the session was re-opened after it was lost.</summary>
    public int Reopens { get; private set; }

    internal TokenSession(Pkcs11Module module, string label, string serial, ISlot slot, IPinSource pin, TokenOptions options)
    {
        Module = module;
        Label = label;
        SerialNumber = serial;
        Options = options;
        _pin = pin;
        _slot = slot;
        _session = OpenAndLogin(slot, relogin: false);
        try
        {
            _mechanisms = ReadMechanisms(slot);
            Certificates = TokenObjects.ListCertificates(_session, loggedIn: true);
        }
        catch (Pkcs11Exception e)
        {
            Close();
            throw Pkcs11Errors.Map(e, Label, "read the token");
        }
    }

    /// <summary>The mechanisms the token offers (minus <see cref="TokenOptions.DisabledMechanisms"/>).</summary>
    public IReadOnlySet<CKM> Mechanisms
    {
        get { lock (_gate) return _mechanisms; }
    }

    /// <summary>
    /// The key to sign with. By <paramref name="certificateLabel"/> (CKA_LABEL) and/or <paramref name="idHex"/> (CKA_ID);
    /// with neither, the one certificate with keyUsage nonRepudiation and a private key (a qualified signing certificate).
    /// Automatic choice refuses a token whose only certificates lack nonRepudiation: name one explicitly to use it anyway.
    /// </summary>
    public SigningKey GetSigningKey(string? certificateLabel = null, string? idHex = null) =>
        new(this, SigningKeyChoice.Choose(Label, Certificates, certificateLabel, idHex, DateTime.UtcNow));

    /// <summary>How many times a session copy of a key was asked for (C_CopyObject calls, refused ones included): for tests.</summary>
    internal int SessionCopyAttempts { get; set; }

    /// <summary>The shared handle cache of <paramref name="generation"/> (emptied when the session was re-opened). Call inside <see cref="Run{T}"/>.</summary>
    internal Dictionary<string, IObjectHandle> KeyHandles(int generation)
    {
        if (_keyHandlesGeneration != generation)
        {
            // The old session's objects went with it.
            _keyHandles.Clear();
            _keyHandlesGeneration = generation;
        }
        return _keyHandles;
    }

    /// <summary>
    /// A cheap call that reaches the token itself (C_GetTokenInfo on its slot): throws TokenException when the token is no
    /// longer there. C_GetSessionInfo is not enough: SoftHSM keeps answering it from memory after the token's directory is
    /// gone, and a session copy of the key even keeps signing. C_GetTokenInfo fails (CKR_GENERAL_ERROR) only once SoftHSM
    /// has re-read the token's directory, which an object search makes it do: so the token's certificates are looked for
    /// too, and a token that had some at login and now shows none is gone.
    /// </summary>
    public void CheckPresent() => Run("read the token's information", (session, _) =>
    {
        var info = _slot.GetTokenInfo();
        if (info.Label.Trim() != Label || info.SerialNumber.Trim() != SerialNumber)
            throw new TokenRemovedException(Label);
        if (Certificates.Count > 0)
        {
            var f = session.Factories.ObjectAttributeFactory;
            var found = session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), f.Create(CKA.CKA_TOKEN, true)]);
            if (found.Count == 0)
                throw new TokenRemovedException(Label);
        }
        return true;
    });

    /// <summary>Runs <paramref name="operation"/> on the session under the lock, re-opening once if the session was lost.</summary>
    internal T Run<T>(string action, Func<ISession, int, T> operation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var attempt = 0; ; attempt++)
            {
                if (_session is null)
                    Reopen();
                try
                {
                    return operation(_session!, _generation);
                }
                catch (Pkcs11Exception e) when (Pkcs11Errors.IsSessionLost(e.RV))
                {
                    DropSession();
                    if (attempt > 0)
                        throw new TokenRemovedException(Label, e.RV);
                }
                catch (Pkcs11Exception e)
                {
                    throw Pkcs11Errors.Map(e, Label, action);
                }
            }
        }
    }

    private void Reopen()
    {
        ISlot slot;
        try
        {
            (slot, _) = Module.FindSlot(Label, SerialNumber);
        }
        catch (NoTokenException)
        {
            throw new TokenRemovedException(Label);
        }
        catch (Pkcs11Exception e)
        {
            throw new TokenRemovedException(Label, e.RV);
        }
        _session = OpenAndLogin(slot, relogin: true);
        _slot = slot;
        try
        {
            _mechanisms = ReadMechanisms(slot);
        }
        catch (Pkcs11Exception e) when (Pkcs11Errors.IsSessionLost(e.RV))
        {
            DropSession();
            throw new TokenRemovedException(Label, e.RV);
        }
        _generation++;
        Reopens++;
    }

    private ISession OpenAndLogin(ISlot slot, bool relogin)
    {
        ISession session;
        try
        {
            session = slot.OpenSession(SessionType.ReadOnly);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_SLOT_ID_INVALID)
        {
            throw new TokenRemovedException(Label, e.RV);
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, Label, "open a session");
        }
        try
        {
            Login(session, slot, relogin);
            return session;
        }
        catch
        {
            try { session.Dispose(); } catch (Pkcs11Exception) { /* the session is being abandoned anyway */ }
            throw;
        }
    }

    private void Login(ISession session, ISlot slot, bool relogin)
    {
        var pin = _pin.GetPin(new PinRequest(Label, relogin))
                  ?? throw new PinNotProvidedException($"no PIN given for token '{Label}'");
        try
        {
            try
            {
                session.Login(CKU.CKU_USER, pin);
            }
            catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
                // Login state belongs to the process: another session still holds it.
                // After a reinsertion that is our own earlier login; on a first login, log out and
                // log in again so that the PIN given now is really checked.
                if (relogin)
                    return;
                session.Logout();
                session.Login(CKU.CKU_USER, pin);
            }
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LEN_RANGE)
        {
            var flags = ReadFlags(slot);
            if (flags?.UserPinLocked == true)
                throw new PinLockedException(Label, e.RV);
            throw new WrongPinException(Label, flags?.PinTries ?? new PinTries(false, false, false));
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_LOCKED)
        {
            throw new PinLockedException(Label, e.RV);
        }
        catch (Pkcs11Exception e)
        {
            throw Pkcs11Errors.Map(e, Label, "log in");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pin);
        }
    }

    private static TokenFlags? ReadFlags(ISlot slot)
    {
        try
        {
            return Pkcs11Module.ToFlags(slot.GetTokenInfo().TokenFlags);
        }
        catch (Pkcs11Exception)
        {
            return null;
        }
    }

    private HashSet<CKM> ReadMechanisms(ISlot slot)
    {
        var set = slot.GetMechanismList().ToHashSet();
        set.ExceptWith(Options.DisabledMechanisms);
        return set;
    }

    private void DropSession()
    {
        var session = _session;
        _session = null;
        try
        {
            session?.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // Already invalid: nothing to close.
        }
    }

    private void Close()
    {
        if (_session is not null)
        {
            try
            {
                _session.Logout();
            }
            catch (Pkcs11Exception)
            {
                // Not logged in any more (token removed): closing is all that is left.
            }
            DropSession();
        }
        Module.Release(Label);
    }

    /// <summary>Logs out and closes the session; the token can then be logged in again in this process.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            Close();
        }
    }
}
