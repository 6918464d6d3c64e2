using Net.Pkcs11Interop.Common;

namespace Signing.Tokens;

/// <summary>What went wrong with a token, in words a person at a desk can act on. The CLI maps each kind to its own exit code.</summary>
public enum TokenErrorKind
{
    /// <summary>The PKCS#11 module (.so/.dll) could not be loaded.</summary>
    ModuleNotFound,
    /// <summary>No token is present, or none with the requested label.</summary>
    NoToken,
    /// <summary>The token was pulled out while in use and has not come back.</summary>
    TokenRemoved,
    WrongPin,
    PinLocked,
    /// <summary>No PIN was given (empty input, missing environment variable, cancelled prompt).</summary>
    PinNotProvided,
    /// <summary>No usable signing certificate (none, none with nonRepudiation, or the label/id matched nothing).</summary>
    NoCertificate,
    /// <summary>The certificate is on the token but its private key is not.</summary>
    NoPrivateKey,
    /// <summary>The token offers no mechanism for the requested signature scheme.</summary>
    MechanismNotSupported,
    /// <summary>The token is already logged in by another holder in this process.</summary>
    TokenBusy,
    /// <summary>Any other PKCS#11 failure (the CKR code is in the message).</summary>
    Pkcs11Failure,
}

/// <summary>Base of every error this library raises on purpose. Never carries a PIN.</summary>
public class TokenException : Exception
{
    public TokenErrorKind Kind { get; }

    /// <summary>The PKCS#11 return value behind the error, when there was one.</summary>
    public CKR? ReturnValue { get; }

    public TokenException(TokenErrorKind kind, string message, CKR? returnValue = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ReturnValue = returnValue;
    }
}

public sealed class ModuleNotFoundException(string modulePath, Exception? inner = null)
    : TokenException(TokenErrorKind.ModuleNotFound, $"PKCS#11 module '{modulePath}' could not be loaded" + (inner is null ? "" : $": {inner.Message}"), null, inner)
{
    public string ModulePath { get; } = modulePath;
}

public sealed class NoTokenException(string? label, string message)
    : TokenException(TokenErrorKind.NoToken, message)
{
    public string? Label { get; } = label;
}

public sealed class TokenRemovedException(string label, CKR? rv = null)
    : TokenException(TokenErrorKind.TokenRemoved, $"token '{label}' was removed; insert it again and retry", rv)
{
    public string Label { get; } = label;
}

/// <summary>
/// What the token says about the PIN tries left. PKCS#11 only has flags (count low, final try, locked),
/// so an exact number is known only on the final try; anything else is reported as unknown, not guessed.
/// </summary>
public sealed record PinTries(bool CountLow, bool FinalTry, bool Locked)
{
    /// <summary>1 on the final try, otherwise null (unknown).</summary>
    public int? TriesLeft => Locked ? 0 : FinalTry ? 1 : null;

    public string Describe() =>
        Locked ? "0 tries left (PIN locked)"
        : FinalTry ? "1 try left (final try)"
        : CountLow ? "tries left: unknown (the token says few are left)"
        : "tries left: unknown";
}

public sealed class WrongPinException(string label, PinTries tries)
    : TokenException(TokenErrorKind.WrongPin, $"wrong PIN for token '{label}'; {tries.Describe()}", CKR.CKR_PIN_INCORRECT)
{
    public string Label { get; } = label;
    public PinTries Tries { get; } = tries;
}

public sealed class PinLockedException(string label, CKR? rv = null)
    : TokenException(TokenErrorKind.PinLocked, $"the PIN of token '{label}' is locked; unblock it with the PUK / your certificate authority", rv)
{
    public string Label { get; } = label;
}

public sealed class PinNotProvidedException(string message) : TokenException(TokenErrorKind.PinNotProvided, message);

public sealed class NoCertificateException(string message) : TokenException(TokenErrorKind.NoCertificate, message);

public sealed class NoPrivateKeyException(string label, string idHex)
    : TokenException(TokenErrorKind.NoPrivateKey, $"token '{label}' has no private key for the certificate with CKA_ID {idHex}")
{
    public string IdHex { get; } = idHex;
}

public sealed class MechanismNotSupportedException(string message, CKR? rv = null)
    : TokenException(TokenErrorKind.MechanismNotSupported, message, rv);

internal static class Pkcs11Errors
{
    /// <summary>Return values after which the session (or the whole token) is gone and must be reopened.</summary>
    public static bool IsSessionLost(CKR rv) => rv is
        CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED or CKR.CKR_DEVICE_REMOVED
        or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_USER_NOT_LOGGED_IN
        or CKR.CKR_DEVICE_ERROR or CKR.CKR_SESSION_COUNT or CKR.CKR_OBJECT_HANDLE_INVALID
        or CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_SLOT_ID_INVALID;

    public static bool IsMechanismProblem(CKR rv) => rv is
        CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID or CKR.CKR_KEY_TYPE_INCONSISTENT
        or CKR.CKR_KEY_FUNCTION_NOT_PERMITTED or CKR.CKR_FUNCTION_NOT_SUPPORTED or CKR.CKR_DATA_LEN_RANGE;

    /// <summary>Turns a raw PKCS#11 failure into the typed error a caller can act on.</summary>
    public static TokenException Map(Pkcs11Exception e, string tokenLabel, string action) => e.RV switch
    {
        CKR.CKR_PIN_LOCKED => new PinLockedException(tokenLabel, e.RV),
        CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT => new TokenRemovedException(tokenLabel, e.RV),
        var rv when IsMechanismProblem(rv) => new MechanismNotSupportedException($"token '{tokenLabel}' refused to {action}: {rv}", rv),
        _ => new TokenException(TokenErrorKind.Pkcs11Failure, $"token '{tokenLabel}': {action} failed with {e.RV}", e.RV, e),
    };
}
