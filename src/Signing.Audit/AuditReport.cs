using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.Audit;

/// <summary>What an audit found: the counts, the recomputed tree, and every problem (one per line in text).</summary>
public sealed record AuditReport
{
    public required string Source { get; init; }
    public required DateTimeOffset AuditedAt { get; init; }
    public required bool TreeOnly { get; init; }
    public long Events { get; init; }
    public long Leaves { get; init; }
    public long Checkpoints { get; init; }
    /// <summary>
    /// Events whose JSON was hashed against their leaf. The tree alone over a database reads no JSON: a v2 leaf binds
    /// its event's JSON by the digest logged beside it, which only the full audit (or an export file) recomputes.
    /// </summary>
    public long EventJsonChecked { get; init; }
    /// <summary>Submissions whose CMS or e-Onay confirmation was re-verified (the signed ones).</summary>
    public long SubmissionsReVerified { get; init; }
    public long DecisionsReVerified { get; init; }
    public long EvidenceBlobsChecked { get; init; }
    /// <summary>Size and root (hex) of the tree recomputed from the events.</summary>
    public long TreeSize { get; init; }
    public required string RootSha256 { get; init; }
    /// <summary>The largest tree size a verified checkpoint covers.</summary>
    public long SealedSize { get; init; }
    public double Seconds { get; init; }
    public long ProblemCount { get; init; }
    public IReadOnlyList<AuditProblem> Problems { get; init; } = [];

    public bool Holds => ProblemCount == 0;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The summary for a person, then the problems one per line.</summary>
    public void WriteText(TextWriter output)
    {
        output.WriteLine($"Audit of {Source} at {AuditedAt:yyyy-MM-dd HH:mm:ss}Z" + (TreeOnly ? " (tree only: evidence not checked)" : ""));
        output.WriteLine($"Events:       {Events} (JSON hashed against the log: {EventJsonChecked})");
        output.WriteLine($"Leaves:       {Leaves} (tree root {RootSha256})");
        output.WriteLine($"Checkpoints:  {Checkpoints} (the latest covers {SealedSize} leaves)");
        if (!TreeOnly)
            output.WriteLine($"Re-verified:  {SubmissionsReVerified} submissions, {DecisionsReVerified} decisions, {EvidenceBlobsChecked} evidence blobs");
        output.WriteLine($"Time:         {Seconds:0.0} s");
        output.WriteLine($"Problems:     {ProblemCount}" + (ProblemCount > Problems.Count ? $" (the first {Problems.Count} listed)" : ""));
        foreach (var p in Problems)
            output.WriteLine(p);
        output.WriteLine(Holds ? "Result:       the record holds" : "Result:       the record does NOT hold");
    }
}
