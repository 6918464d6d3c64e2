using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Cli.Commands.Agent;

/// <summary>What the agent may sign: the 32-byte sign-in nonce, or a decision document. Never anything else.</summary>
internal abstract record SignRequest(byte[] Bytes)
{
    public const int ChallengeLength = 32;
    public const int MaxBodyBytes = 256 * 1024;

    public abstract string Kind { get; }

    /// <summary>The request body as the page sent it, checked strictly; a failure names what is wrong in both languages.</summary>
    public static SignRequest Parse(ReadOnlySpan<byte> body)
    {
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize<Wire>(body, WireOptions);
        }
        catch (JsonException e)
        {
            throw Bad($"the body is not the JSON of a sign request: {e.Message}", "gövde bir imza isteğinin JSON'u değil");
        }
        return wire?.Kind switch
        {
            "signIn" => new SignInRequest(Challenge(wire.Challenge)),
            "decision" => DecisionRequest.From(Base64("document", wire.Document)),
            null => throw Bad("kind: required (signIn or decision)", "kind: zorunlu (signIn ya da decision)"),
            var other => throw Bad($"kind: '{other}' is not signIn or decision", $"kind: '{other}' signIn ya da decision değil"),
        };
    }

    private static byte[] Challenge(string? value)
    {
        var bytes = Base64("challenge", value);
        if (bytes.Length != ChallengeLength)
            throw Bad($"challenge: must be exactly {ChallengeLength} bytes (the nonce from POST /v1/challenges), got {bytes.Length}",
                $"challenge: tam {ChallengeLength} bayt olmalı (POST /v1/challenges nonce değeri), {bytes.Length} geldi");
        return bytes;
    }

    private static byte[] Base64(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
            throw Bad($"{field}: required (standard base64)", $"{field}: zorunlu (standart base64)");
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw Bad($"{field}: not standard base64", $"{field}: standart base64 değil");
        }
    }

    internal static AgentRequestException Bad(string message, string messageTr) => new(AgentError.BadRequest(message, messageTr));

    private static readonly JsonSerializerOptions WireOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record Wire(string? Kind, string? Challenge, string? Document);
}

internal sealed record SignInRequest(byte[] Challenge) : SignRequest(Challenge)
{
    public override string Kind => "signIn";
}

/// <summary>
/// A decision document as the server issues it (GetDecisionDocument). What the person is shown is read from these
/// bytes — the same bytes the card signs — never from anything else the page says.
/// </summary>
internal sealed record DecisionRequest(byte[] Document, DecisionView View) : SignRequest(Document)
{
    public override string Kind => "decision";

    public static DecisionRequest From(byte[] document)
    {
        DecisionView? view;
        try
        {
            view = JsonSerializer.Deserialize<DecisionView>(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(document), ViewOptions);
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or ArgumentException)
        {
            throw NotADecision("it is not JSON");
        }
        if (view is null)
            throw NotADecision("it is empty");
        if (view.Type != "esign.decision" || view.Version != 1)
            throw NotADecision("type must be \"esign.decision\" and version 1");
        if (view.ApplicationId is null || view.ApplicationId == Guid.Empty)
            throw NotADecision("applicationId is missing");
        if (view.Decision is not ("APPROVE" or "REJECT"))
            throw NotADecision("decision must be APPROVE or REJECT");
        if (string.IsNullOrWhiteSpace(view.ApplicationCode) || string.IsNullOrWhiteSpace(view.Tenant) || string.IsNullOrWhiteSpace(view.OfficerName)
            || view.IssuedAt is null || view.ApplicationVersion is null)
            throw NotADecision("applicationCode, tenant, applicationVersion, officerName and issuedAt are required");
        return new DecisionRequest(document, view);
    }

    private static AgentRequestException NotADecision(string why) =>
        Bad($"document: not a decision document from GetDecisionDocument ({why}); the agent signs nothing else",
            "document: GetDecisionDocument karar belgesi değil; araç başka bir şey imzalamaz");

    private static readonly JsonSerializerOptions ViewOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.Strict,
    };
}

/// <summary>The fields of a decision document the person is shown. applicantName is absent from older servers' documents.</summary>
internal sealed record DecisionView(
    string? Type, int? Version, Guid? ApplicationId, string? ApplicationCode, string? ApplicantName, string? Tenant,
    long? ApplicationVersion, string? Decision, string? Reason, string? OfficerName, string? OfficerTckn, DateTimeOffset? IssuedAt);

internal sealed class AgentRequestException(AgentError error) : Exception(error.Message)
{
    public AgentError Error { get; } = error;
}
