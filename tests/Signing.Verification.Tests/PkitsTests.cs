using System.Text.Json;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// NIST PKITS, run as the manifest's authors (pyHanko) run it: every entry of pkits.json is one case and
/// asserts both the outcome and, for failures, the error class (revoked / no revocation data / stale CRL /
/// any other path error).
/// </summary>
public class PkitsTests
{
    private static readonly string Root = Path.Combine(LocalWorld.SharedDirectory, "testdata", "pkits");
    private static readonly DateTimeOffset ValidationTime = new(2022, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<JsonElement[]> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "pkits.json"))).RootElement.EnumerateArray().ToArray());

    public static IEnumerable<object[]> Cases() =>
        Manifest.Value.Select((e, i) => new object[] { $"{e.GetProperty("id").GetString()}#{i} {e.GetProperty("name").GetString()}" });

    internal static PathValidationResult Run(JsonElement entry)
    {
        ParsedCertificate Cert(string file) => ParsedCertificate.From(File.ReadAllBytes(Path.Combine(Root, "certs", file)));
        ParsedCrl Crl(string file) => ParsedCrl.From(File.ReadAllBytes(Path.Combine(Root, "crls", file)));
        IEnumerable<string> Strings(string name) =>
            entry.TryGetProperty(name, out var p) ? p.EnumerateArray().Select(x => x.GetString()!) : [];

        var crls = Strings("crls").Append("TrustAnchorRootCRL.crl").Distinct().Select(Crl).ToList();
        var request = new PathValidationRequest
        {
            Target = Cert(entry.GetProperty("cert").GetString()!),
            TrustAnchors = [Cert("TrustAnchorRootCertificate.crt")],
            Intermediates = Strings("other_certs").Select(Cert).ToList(),
            Crls = crls,
            Time = ValidationTime,
            Revocation = entry.TryGetProperty("revocation", out var rev) && !rev.GetBoolean()
                ? RevocationMode.BestEffort
                : RevocationMode.Required,
            Algorithms = AlgorithmPolicy.Legacy,
        };
        if (entry.TryGetProperty("params", out var p))
        {
            if (p.TryGetProperty("user_initial_policy_set", out var set))
                request = request with { InitialPolicySet = set.EnumerateArray().Select(x => x.GetString()!).ToHashSet() };
            if (p.TryGetProperty("initial_explicit_policy", out var e))
                request = request with { InitialExplicitPolicy = e.GetBoolean() };
            if (p.TryGetProperty("initial_policy_mapping_inhibit", out var m))
                request = request with { InitialPolicyMappingInhibit = m.GetBoolean() };
            if (p.TryGetProperty("initial_any_policy_inhibit", out var a))
                request = request with { InitialAnyPolicyInhibit = a.GetBoolean() };
        }
        return PathValidator.Validate(request);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        var index = int.Parse(name[(name.IndexOf('#') + 1)..name.IndexOf(' ')]);
        var entry = Manifest.Value[index];
        var result = Run(entry);
        var expected = entry.TryGetProperty("error", out var error) ? error.GetProperty("class").GetString() : null;
        Assert.True(expected == result.ErrorClass,
            $"expected {expected ?? "valid"}, got {result.ErrorClass ?? "valid"}: {result.Failure} {result.Message}");
        if (expected is null)
            Assert.Equal(entry.GetProperty("path_len").GetInt32(), result.Path.Count);
    }

    [Fact]
    public void AllCasesOfTheManifestAreRun()
    {
        Assert.Equal(246, Cases().Count());
        var correct = Manifest.Value.Count(e =>
            (e.TryGetProperty("error", out var err) ? err.GetProperty("class").GetString() : null) == Run(e).ErrorClass);
        Assert.Equal(246, correct);
    }
}
