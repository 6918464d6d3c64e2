using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Signing.TestKit;
using Signing.Verification;
using Xunit.Abstractions;

namespace Signing.Verification.Tests;

/// <summary>
/// The AsnReader parse of <see cref="ParsedCertificate"/> against BouncyCastle's full parse, over every certificate the
/// conformance suites and the hsm-sim world hold: where BouncyCastle rejects, the fast parse must defer (so the
/// rejection stays); where the fast parse accepts, every field must equal BouncyCastle's.
/// </summary>
public class FastParseAgreementTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Corpora() => [["pkits"], ["limbo"], ["hsm-sim"]];

    internal static IEnumerable<(string Name, byte[] Der)> Corpus(string name)
    {
        switch (name)
        {
            case "pkits":
                foreach (var f in Directory.GetFiles(Path.Combine(LocalWorld.SharedDirectory, "testdata", "pkits", "certs")).Order())
                    yield return (Path.GetFileName(f), File.ReadAllBytes(f));
                break;
            case "limbo":
                var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalWorld.SharedDirectory, "testdata", "x509-limbo", "limbo-pathvalidation.json")));
                foreach (var tc in doc.RootElement.GetProperty("testcases").EnumerateArray())
                {
                    var id = tc.GetProperty("id").GetString();
                    foreach (var field in new[] { "peer_certificate", "trusted_certs", "untrusted_intermediates" })
                    {
                        if (!tc.TryGetProperty(field, out var v))
                            continue;
                        var pems = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.GetString()!) : [v.GetString()!];
                        var i = 0;
                        foreach (var pem in pems)
                            yield return ($"{id}/{field}/{i++}", Pem.ToDer(Encoding.ASCII.GetBytes(pem), "CERTIFICATE"));
                    }
                }
                break;
            case "hsm-sim":
                var hsm = Path.GetDirectoryName(LocalWorld.ManifestPath)!;
                foreach (var f in Directory.GetFiles(Path.Combine(hsm, "certs"), "*.pem").Concat(Directory.GetFiles(Path.Combine(hsm, "pki"), "*.pem")).Order())
                {
                    if (!f.EndsWith(".key.pem", StringComparison.Ordinal))
                        yield return (Path.GetFileName(f), Pem.ToDer(File.ReadAllBytes(f), "CERTIFICATE"));
                }
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public void FastParseAgreesWithBouncyCastle(string corpus)
    {
        int fast = 0, deferred = 0, rejected = 0;
        var disagreements = new List<string>();
        foreach (var (name, der) in Corpus(corpus))
        {
            ParsedCertificate? bc;
            try { bc = ParsedCertificate.ParseBouncyCastleOnly(der); }
            catch (Exception) { bc = null; }
            var f = ParsedCertificate.ParseFastOnly(der);
            if (bc is null)
            {
                rejected++;
                if (f is not null)
                    disagreements.Add($"{name}: BouncyCastle rejects, the fast parse accepts");
                continue;
            }
            if (f is null)
            {
                deferred++;
                continue;
            }
            fast++;
            // The fast parse keeps the input as the certificate's DER (and slices the TBS from it): for what it accepts,
            // that must be exactly BouncyCastle's DER re-encoding, which the full parse uses.
            if (!Asn1Object.FromByteArray(der).GetEncoded(Asn1Encodable.Der).AsSpan().SequenceEqual(der))
                disagreements.Add($"{name}: accepted as DER, but BouncyCastle's DER encoding differs");
            foreach (var diff in Differences(bc, f))
                disagreements.Add($"{name}: {diff}");
        }
        output.WriteLine($"{corpus}: fast {fast}, deferred {deferred}, rejected {rejected}");
        Assert.Empty(disagreements);
        // The corpus must actually exercise the fast parse (most of these certificates are plain DER v3).
        Assert.True(fast > deferred, $"{corpus}: fast {fast}, deferred {deferred}, rejected {rejected}");
        if (corpus == "hsm-sim")
            Assert.Equal(0, deferred);
    }

    private static IEnumerable<string> Differences(ParsedCertificate a, ParsedCertificate b)
    {
        static byte[]? Enc(Asn1Encodable? e) => e?.GetEncoded(Asn1Encodable.Der);
        static bool Same(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);
        if (!Same(Enc(a.Subject), Enc(b.Subject))) yield return "subject";
        if (!Same(Enc(a.Issuer), Enc(b.Issuer))) yield return "issuer";
        if (!a.Serial.Equals(b.Serial)) yield return "serial";
        if (a.NotBefore != b.NotBefore || a.NotBefore.Kind != b.NotBefore.Kind) yield return $"notBefore {a.NotBefore:o} vs {b.NotBefore:o}";
        if (a.NotAfter != b.NotAfter || a.NotAfter.Kind != b.NotAfter.Kind) yield return $"notAfter {a.NotAfter:o} vs {b.NotAfter:o}";
        if (a.Version != b.Version) yield return "version";
        if (!Same(a.TbsDer, b.TbsDer)) yield return "TBS bytes";
        if (!Same(a.SignatureValue, b.SignatureValue)) yield return "signature value";
        if (!Same(Enc(a.SignatureAlgorithm), Enc(b.SignatureAlgorithm))) yield return "signature algorithm";
        if (a.SignatureAlgorithmsMatch != b.SignatureAlgorithmsMatch) yield return "signature algorithms match";
        if (!Same(Enc(a.PublicKeyInfo), Enc(b.PublicKeyInfo))) yield return "public key info";
        if ((a.HasBasicConstraints, a.BasicConstraintsCritical, a.IsCa, a.PathLenConstraint) != (b.HasBasicConstraints, b.BasicConstraintsCritical, b.IsCa, b.PathLenConstraint))
            yield return "basic constraints";
        if (a.KeyUsageBits != b.KeyUsageBits) yield return $"key usage {a.KeyUsageBits} vs {b.KeyUsageBits}";
        if (!Same(a.SubjectKeyId, b.SubjectKeyId)) yield return "subject key id";
        if (!Same(a.AuthorityKeyId, b.AuthorityKeyId) || a.HasAuthorityKeyId != b.HasAuthorityKeyId) yield return "authority key id";
        if (!Same(Enc(a.Policies), Enc(b.Policies))) yield return "policies";
        if (!Same(Enc(a.PolicyMappings), Enc(b.PolicyMappings))) yield return "policy mappings";
        if (a.PolicyConstraints != b.PolicyConstraints) yield return "policy constraints";
        if (a.InhibitAnyPolicySkipCerts != b.InhibitAnyPolicySkipCerts) yield return "inhibit anyPolicy";
        if (!Same(Enc(a.NameConstraints), Enc(b.NameConstraints))) yield return "name constraints";
        if (!Same(Enc(a.SubjectAltNames), Enc(b.SubjectAltNames))) yield return "subject alt names";
        if (!Same(Enc(a.CrlDistributionPoints), Enc(b.CrlDistributionPoints))) yield return "CRL distribution points";
        if (!Same(Enc(a.QcStatements), Enc(b.QcStatements))) yield return "QC statements";
        if (!a.Extensions.SequenceEqual(b.Extensions)) yield return "extensions list";
        if (a.ProfileViolation != b.ProfileViolation) yield return $"profile violation '{a.ProfileViolation}' vs '{b.ProfileViolation}'";
        if (a.IsSelfIssued != b.IsSelfIssued) yield return "self-issued";
        if (a.CommonName != b.CommonName || a.SubjectSerialNumber != b.SubjectSerialNumber) yield return "CN / serialNumber";
    }
}
