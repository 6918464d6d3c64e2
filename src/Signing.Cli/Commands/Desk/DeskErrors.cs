using Google.Rpc;
using Grpc.Core;
using Signing.Tokens;

namespace Signing.Cli.Commands.Desk;

/// <summary>
/// Exit codes of the desk commands. 0–2 and 10–20 are shared with `esign token`/`esign sign` (TokenCli.ExitCodes);
/// 3 is `esign cert/cms verify`'s usage error; 4–9 are new here, one per thing a person can act on.
/// </summary>
internal static class DeskExit
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int BadInput = 2;
    public const int Unreachable = 4;
    public const int NotSignedIn = 5;
    public const int PermissionDenied = 6;
    public const int Refused = 7;
    public const int NotFound = 8;
    public const int Conflict = 9;
    /// <summary>esign roster import: the rest was imported, some rows were refused (listed).</summary>
    public const int RowsRefused = 21;

    public const string Help =
        "Exit codes: 0 ok, 1 unexpected error, 2 bad input (option, file, field), 3 usage error of cert/cms verify " +
        "(1 and 2 there: signature failed / indeterminate), 4 server unreachable, 5 not signed in or session expired " +
        "(run esign login), 6 permission denied, 7 refused by the rules (e.g. receipt missing, four-eyes), 8 not found, " +
        "9 conflict: the application changed meanwhile (look and retry), 10 PKCS#11 module not found, 11 no token / label " +
        "not found, 12 token removed, 13 wrong PIN, 14 PIN locked, 15 no PIN given, 16 no signing certificate, " +
        "17 no private key, 18 mechanism not supported, 19 token busy, 20 other PKCS#11 failure, 21 roster import: some rows refused (the rest imported).";

    public const string SeeHelp = "Exit codes: see esign --help.";

    public static int ForStatus(StatusCode code) => code switch
    {
        StatusCode.Unauthenticated => NotSignedIn,
        StatusCode.PermissionDenied => PermissionDenied,
        StatusCode.NotFound => NotFound,
        StatusCode.Aborted or StatusCode.AlreadyExists or StatusCode.ResourceExhausted => Conflict,
        StatusCode.FailedPrecondition or StatusCode.OutOfRange => Refused,
        StatusCode.InvalidArgument => BadInput,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unreachable,
        _ => Unexpected,
    };
}

/// <summary>A failure the desk reports itself: an exit code, a text key of <see cref="Texts"/> and a "what next" key.</summary>
internal sealed class DeskException(int exitCode, string textKey, object?[]? args = null, string? nextKey = null, Exception? inner = null)
    : Exception(textKey, inner)
{
    public int ExitCode { get; } = exitCode;
    public string TextKey { get; } = textKey;
    public object?[] Args { get; } = args ?? [];
    public string? NextKey { get; } = nextKey;
}

/// <summary>One error as a person (or a script) sees it: the message, the fields at fault, and one line of what to do next.</summary>
internal sealed record ErrorReport(int ExitCode, string Code, string Reason, string Message, IReadOnlyList<string> Details, string Next)
{
    /// <summary>From a gRPC failure: the google.rpc.Status details when the server sent them, else the bare status.</summary>
    public static ErrorReport FromRpc(RpcException e, Lang lang)
    {
        Google.Rpc.Status? status = null;
        try
        {
            status = e.GetRpcStatus();
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // A damaged details trailer: fall back to the plain status below.
        }
        if (status is not null)
            return FromStatus(status, lang);
        var message = e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            ? Texts.Get(lang, "error.unreachable", e.Status.Detail)
            : e.Status.Detail;
        return Build(e.StatusCode, e.StatusCode.ToString().ToUpperInvariant(), message, [], lang);
    }

    /// <summary>
    /// From a google.rpc.Status: ErrorInfo.reason; in Turkish the LocalizedMessage, else the catalogue's text of the reason,
    /// in English the status message; field violations, preconditions.
    /// </summary>
    public static ErrorReport FromStatus(Google.Rpc.Status status, Lang lang)
    {
        var code = (StatusCode)status.Code;
        var info = status.GetDetail<ErrorInfo>();
        var localized = status.GetDetail<LocalizedMessage>();
        var reason = info?.Reason is { Length: > 0 } r ? r : code.ToString().ToUpperInvariant();
        var message = lang != Lang.Tr ? status.Message
            : localized is { Message.Length: > 0 } && localized.Locale.StartsWith("tr", StringComparison.OrdinalIgnoreCase) ? localized.Message
            : Signing.Domain.ErrorCatalogue.IsKnown(reason) ? Signing.Domain.ErrorCatalogue.Of(reason).Turkish
            : status.Message;
        var details = new List<string>();
        if (status.GetDetail<BadRequest>() is { } badRequest)
            details.AddRange(badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        if (status.GetDetail<PreconditionFailure>() is { } failure)
            details.AddRange(failure.Violations
                .Where(v => !string.IsNullOrEmpty(v.Description) && v.Description != status.Message)
                .Select(v => string.IsNullOrEmpty(v.Subject) ? v.Description : $"{v.Subject}: {v.Description}"));
        return Build(code, reason, message, details, lang);
    }

    private static ErrorReport Build(StatusCode code, string reason, string message, List<string> details, Lang lang)
    {
        var exit = DeskExit.ForStatus(code);
        // The reason is more precise than the transport code: a version clash is "look and retry", an open renewal is a rule.
        if (reason == Signing.Domain.ErrorCodes.Concurrency)
            exit = DeskExit.Conflict;
        else if (reason == Signing.Domain.ErrorCodes.OpenRenewalExists)
            exit = DeskExit.Refused;
        return new ErrorReport(exit, code.ToString(), reason, message, details, Texts.Get(lang, NextFor(code, reason)));
    }

    /// <summary>The "what to do next" line: by the stable reason first, by the status code otherwise.</summary>
    internal static string NextFor(StatusCode code, string reason)
    {
        switch (reason)
        {
            case Signing.Domain.ErrorCodes.FamilyPhysicianMustESign: return "next.mustESign";
            case Signing.Domain.ErrorCodes.SameOfficerTwice: return "next.sameOfficer";
            case Signing.Domain.ErrorCodes.SelfDecision: return "next.ownApplication";
            case Signing.Domain.ErrorCodes.OpenRenewalExists: return "next.openRenewal";
            case Signing.Domain.ErrorCodes.NotApprovable: return "next.notApprovable";
            case Signing.Domain.ErrorCodes.Concurrency: return "next.conflict";
            case Signing.Domain.ErrorCodes.SignInRefused: return "next.signInRefused";
        }
        if (reason.StartsWith("receipt.", StringComparison.Ordinal))
            return "next.receipt";
        if (reason.StartsWith("paper.", StringComparison.Ordinal))
            return "next.paper";
        if (reason.StartsWith("delivery.", StringComparison.Ordinal))
            return "next.delivery";
        return code switch
        {
            StatusCode.Unauthenticated => "next.login",
            StatusCode.PermissionDenied => "next.permission",
            StatusCode.NotFound => "next.notFound",
            StatusCode.Aborted or StatusCode.AlreadyExists or StatusCode.ResourceExhausted => "next.conflict",
            StatusCode.FailedPrecondition or StatusCode.OutOfRange => "next.rules",
            StatusCode.InvalidArgument => "next.badInput",
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => "next.unreachable",
            _ => "next.unexpected",
        };
    }

    public static ErrorReport FromDesk(DeskException e, Lang lang) =>
        new(e.ExitCode, "DESK", e.TextKey, Texts.Get(lang, e.TextKey, e.Args), [],
            Texts.Get(lang, e.NextKey ?? (e.ExitCode == DeskExit.NotSignedIn ? "next.login" : "next.badInput")));

    public static ErrorReport FromToken(TokenException e, Lang lang) =>
        new(TokenCli.ExitCodes.For(e.Kind), "TOKEN", e.Kind.ToString(), e.Message, [], Texts.Get(lang, e.Kind switch
        {
            TokenErrorKind.WrongPin => "next.pin",
            TokenErrorKind.PinLocked => "next.pinLocked",
            TokenErrorKind.PinNotProvided => "next.pinMissing",
            TokenErrorKind.NoCertificate or TokenErrorKind.NoPrivateKey => "next.certificate",
            _ => "next.token",
        }));
}
