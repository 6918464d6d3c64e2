using System.Security.Cryptography;
using System.Text.Json;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// A verdict names the revocation data its path rested on (SHA-256 of the exact DER, issuer, CRL number, thisUpdate), for
/// every certificate of the path, whether the path was validated afresh or resumed from the caches; the report to keep is
/// the verdict's compact JSON.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class RevocationEvidenceTests(VerificationWorld world)
{
    private readonly CmsVerifier verifier = new(world.Trust);

    private Verdict Verify(byte[] cms, RevocationMode? revocation = null) =>
        verifier.Verify(cms, null, new VerificationOptions { At = world.Now, Revocation = revocation });

    private void AssertNamesThePathsCrls(Verdict verdict)
    {
        Assert.True(verdict.Passed, verdict.Reason);
        // Leaf and sub-CA are each checked against their issuer's CRL: two CRLs, the sub-CA's and the root's.
        Assert.Equal(2, verdict.Revocation.Count);
        Assert.Equal(verdict.Revocation.Count, verdict.RevocationData.Count);
        Assert.Contains(verdict.Revocation, r => r.Issuer == world.SubCa.SubjectDN.ToString());
        Assert.Contains(verdict.Revocation, r => r.Issuer == world.SubCa.IssuerDN.ToString());
        for (var i = 0; i < verdict.Revocation.Count; i++)
        {
            var named = verdict.Revocation[i];
            var crl = Assert.IsType<ParsedCrl>(verdict.RevocationData[i]);
            Assert.Contains(world.Trust.Crls, c => ReferenceEquals(c, crl));
            Assert.Equal("crl", named.Kind);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(crl.Der)), named.Sha256);
            Assert.Equal(crl.CrlNumber!.ToString(), named.Number);
            Assert.Equal(new DateTimeOffset(crl.ThisUpdate, TimeSpan.Zero), named.ThisUpdate);
            Assert.True(named.ThisUpdate <= world.Now);
        }
    }

    [Fact]
    public void A_verdict_names_the_crls_of_its_whole_path_fresh_and_from_the_caches()
    {
        var first = Verify(world.Signer(world.Rsa).Build());
        AssertNamesThePathsCrls(first);
        // The same signer again (whole-path result cache) and another leaf of the same sub-CA (prefix cache).
        AssertNamesThePathsCrls(Verify(world.Signer(world.Rsa).Build()));
        AssertNamesThePathsCrls(Verify(world.Signer(world.P256, "SHA256WITHECDSA").Build()));
    }

    [Fact]
    public void Without_revocation_checking_a_verdict_names_no_crl()
    {
        var verdict = Verify(world.Signer(world.Rsa).Build(), RevocationMode.Off);
        Assert.True(verdict.Passed, verdict.Reason);
        Assert.Empty(verdict.Revocation);
        Assert.Empty(verdict.RevocationData);
    }

    [Fact]
    public void The_report_is_compact_json_with_indication_checks_policy_and_revocation()
    {
        var verdict = Verify(world.Signer(world.Rsa).Build());
        var report = verdict.ToReport();
        Assert.DoesNotContain((byte)'\n', report);
        using var json = JsonDocument.Parse(report);
        var root = json.RootElement;
        Assert.Equal("TOTAL_PASSED", root.GetProperty("indication").GetString());
        Assert.Equal("NONE", root.GetProperty("subIndication").GetString());
        Assert.Equal(verdict.Checks.Count, root.GetProperty("checks").GetArrayLength());
        Assert.Equal(verdict.Policy.Id, root.GetProperty("policy").GetProperty("id").GetString());
        Assert.Equal(verdict.Policy.Sha256, root.GetProperty("policy").GetProperty("sha256").GetString());
        var crls = root.GetProperty("revocation").EnumerateArray().Select(r => r.GetProperty("sha256").GetString()).ToList();
        Assert.Equal(verdict.Revocation.Select(r => r.Sha256), crls);
        // The report and the display JSON say the same.
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(verdict.ToJson())), JsonSerializer.Serialize(JsonDocument.Parse(report)));
    }
}
