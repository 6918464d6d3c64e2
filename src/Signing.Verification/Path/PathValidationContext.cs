namespace Signing.Verification;

/// <summary>
/// One validation's inputs and what it consulted: the instants compared with the time (for the caches' quiet-minute
/// rule) and whether it used inputs outside the prefix cache key. Nested validations (CRL issuers) have their own,
/// one level deeper, anchored at the path's anchor.
/// </summary>
internal sealed class PathValidationContext(PathValidationRequest request, DateTime time, int depth, ParsedCertificate? onlyAnchor)
{
    public PathValidationRequest Request { get; } = request;
    public DateTime Time { get; } = time;
    public int Depth { get; } = depth;
    public IReadOnlyList<ParsedCertificate> Anchors { get; } = onlyAnchor is null ? request.TrustAnchors : [onlyAnchor];
    public List<DateTime> Consulted { get; } = [];
    /// <summary>The CRLs that gave a revocation answer so far (what a verdict on the path rests on).</summary>
    public List<IRevocationEvidence> RevocationUsed { get; } = [];
    /// <summary>CA certificates passed without usable revocation data under a WARN or INFORM policy (what the verdict says).</summary>
    public List<string> RevocationNotes { get; } = [];
    /// <summary>The instant revocation data must be current at (the validation time unless judged later).</summary>
    public DateTime FreshAt { get; } = request.RevocationDataTime is { } d ? Truncate(d.UtcDateTime) : time;
    /// <summary>A revocation at or before this instant counts.</summary>
    public DateTime RevokedBy { get; } = request.RevocationDataTime is { } r && !request.RevocationPolicy.AcceptRevokedAfterTimestamp
        ? Truncate(r.UtcDateTime) : time;

    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    /// <summary>Set when the validation consulted inputs outside the prefix cache key (CRL signers off the path).</summary>
    public bool Uncacheable { get; set; }
}
