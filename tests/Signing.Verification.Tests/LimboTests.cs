using System.Text;
using System.Text.Json;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// The x509-limbo path-validation subset. Each case asserts the expected result, except the few listed in
/// <see cref="KnownDisagreements"/>, where the product deliberately follows PKITS / RFC 5280's relying-party
/// guidance instead; those cases assert our documented answer, so a change in either direction is seen.
/// </summary>
public class LimboTests
{
    private static readonly string File = Path.Combine(LocalWorld.SharedDirectory, "testdata", "x509-limbo", "limbo-pathvalidation.json");

    private static readonly Lazy<Dictionary<string, JsonElement>> Manifest = new(() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(File)).RootElement.GetProperty("testcases").EnumerateArray()
            .ToDictionary(e => e.GetProperty("id").GetString()!));

    /// <summary>Case id → why our answer differs from the expected one.</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownDisagreements = new Dictionary<string, string>
    {
        ["rfc5280::pc::ica-noncritical-pc"] =
            "RFC 5280 §4.2.1.11 tells CAs to mark policyConstraints critical, but NIST PKITS (4.8.x, 4.10.x, 4.11.x) " +
            "has non-critical policyConstraints in valid paths; PKITS wins (246/246 is required).",
        ["rfc5280::aki::cross-signed-root-missing-aki"] =
            "The trust anchor is a cross-signed CA without authorityKeyIdentifier. cve::cve-2024-0567 expects SUCCESS for " +
            "exactly the same anchor shape (\"Root A\" issued by x509-limbo-root, no AKI), so no rule satisfies both; " +
            "anchors are trusted by configuration and AKI only helps path building, so we accept it.",
    };

    public static IEnumerable<object[]> Cases() => Manifest.Value.Keys.Select(k => new object[] { k });

    private static IReadOnlyList<byte[]> Pems(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array
            ? p.EnumerateArray().Select(x => Encoding.ASCII.GetBytes(x.GetString()!)).ToList()
            : [];

    internal static PathValidationResult Run(JsonElement e)
    {
        var crls = Pems(e, "crls");
        var time = e.TryGetProperty("validation_time", out var t) && t.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(t.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : DateTimeOffset.UtcNow;
        ParsedCertificate? target;
        try
        {
            target = ParsedCertificate.From(Pems(e, "peer_certificate") is [var one] ? one : Encoding.ASCII.GetBytes(e.GetProperty("peer_certificate").GetString()!));
        }
        catch (FormatException ex)
        {
            return PathValidationResult_Malformed(ex.Message);
        }
        return PathValidator.Validate(new PathValidationRequest
        {
            Target = target,
            TrustAnchors = Pems(e, "trusted_certs").Select(ParsedCertificate.TryFrom).OfType<ParsedCertificate>().ToList(),
            Intermediates = Pems(e, "untrusted_intermediates").Select(ParsedCertificate.TryFrom).OfType<ParsedCertificate>().ToList(),
            Crls = crls.Select(c => { try { return ParsedCrl.From(c); } catch (FormatException) { return null; } })
                .OfType<ParsedCrl>().ToList(),
            Time = time,
            Revocation = crls.Count > 0 ? RevocationMode.Required : RevocationMode.Off,
            Algorithms = AlgorithmPolicy.Legacy,
        });
    }

    private static PathValidationResult PathValidationResult_Malformed(string message) =>
        new() { Failure = PathFailure.Malformed, Message = message };

    private static bool Expected(JsonElement e) => e.GetProperty("expected_result").GetString() == "SUCCESS";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string id)
    {
        var e = Manifest.Value[id];
        var result = Run(e);
        var expected = Expected(e) ^ KnownDisagreements.ContainsKey(id);
        Assert.True(expected == result.IsValid,
            $"expected {(expected ? "SUCCESS" : "FAILURE")}, got {(result.IsValid ? "SUCCESS" : "FAILURE")}: {result.Failure} {result.Message}");
    }

    [Fact]
    public void All92CasesButTheKnownDisagreementsAgreeWithTheSuite()
    {
        Assert.Equal(92, Manifest.Value.Count);
        var agree = Manifest.Value.Values.Count(e => Run(e).IsValid == Expected(e));
        Assert.Equal(92 - KnownDisagreements.Count, agree);
    }
}
