using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// The path validator remembers the validated part of a path above the target (anchor and sub-CA) so a new leaf
/// only pays for its own checks. Each test first validates a good leaf (which fills that memo), then a second
/// certificate or setting for which the shared part must be judged again or the leaf's own checks must still bite.
/// Every test makes its own PKI: the memo is process-wide and keyed by certificate hashes.
/// </summary>
public class PathPrefixCacheTests
{
    private const string Policy = "2.16.792.1.2.1.1.5.7.1.1.42";
    private static readonly DateTime T0 = new(2031, 3, 14, 10, 0, 0, DateTimeKind.Utc);

    private sealed class Pki
    {
        public required ParsedCertificate Root { get; init; }
        public required ParsedCertificate SubCa { get; init; }
        public required AsymmetricCipherKeyPair RootKey { get; init; }
        public required AsymmetricCipherKeyPair SubKey { get; init; }
        public required X509Certificate SubCaBc { get; init; }
        public required X509Certificate RootBc { get; init; }
        private long serial = 100;

        public ParsedCertificate Leaf(long? serialNumber = null) =>
            ParsedCertificate.From(Issue(new X509Name($"C=TR,CN=Leaf {Interlocked.Increment(ref serial)}"), SubCaBc.SubjectDN, NewKey().Public,
                SubKey, SubCaBc, ca: false, serialNumber ?? serial, T0.AddDays(-30), T0.AddDays(300), withPolicy: true).GetEncoded());

        public ParsedCrl RootCrl(params long[] revoked) => Crl(RootBc, RootKey, revoked);
        public ParsedCrl SubCrl(params long[] revoked) => Crl(SubCaBc, SubKey, revoked);

        private static ParsedCrl Crl(X509Certificate issuer, AsymmetricCipherKeyPair key, long[] revoked)
        {
            var gen = new X509V2CrlGenerator();
            gen.SetIssuerDN(issuer.SubjectDN);
            gen.SetThisUpdate(T0.AddDays(-1));
            gen.SetNextUpdate(T0.AddDays(400));
            foreach (var s in revoked)
                gen.AddCrlEntry(BigInteger.ValueOf(s), T0.AddDays(-2), CrlReason.KeyCompromise);
            gen.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.One));
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuer));
            return ParsedCrl.From(gen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", key.Private)).GetEncoded());
        }
    }

    private static AsymmetricCipherKeyPair NewKey()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new AsymmetricCipherKeyPair(PublicKeyFactory.CreateKey(ec.ExportSubjectPublicKeyInfo()),
            PrivateKeyFactory.CreateKey(ec.ExportPkcs8PrivateKey()));
    }

    private static X509Certificate Issue(X509Name subject, X509Name issuer, AsymmetricKeyParameter publicKey, AsymmetricCipherKeyPair signer,
        X509Certificate? issuerCert, bool ca, long serial, DateTime notBefore, DateTime notAfter, bool withPolicy)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(serial));
        gen.SetIssuerDN(issuer);
        gen.SetSubjectDN(subject);
        gen.SetNotBefore(notBefore);
        gen.SetNotAfter(notAfter);
        gen.SetPublicKey(publicKey);
        gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey));
        if (issuerCert is not null)
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerCert));
        gen.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(ca));
        gen.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(ca ? KeyUsage.KeyCertSign | KeyUsage.CrlSign : KeyUsage.NonRepudiation));
        if (withPolicy)
            gen.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(new PolicyInformation(new DerObjectIdentifier(Policy))));
        return gen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", signer.Private));
    }

    /// <param name="subNotAfter">The sub-CA's end of validity (default: long after every validation time used here).</param>
    /// <param name="caPolicies">Whether the CAs carry certificatePolicies (anyPolicy for the sub-CA).</param>
    private static Pki NewPki(DateTime? subNotAfter = null, bool caPolicies = true)
    {
        var rootKey = NewKey();
        var subKey = NewKey();
        var id = Guid.NewGuid().ToString("N")[..8];
        var rootName = new X509Name($"C=TR,O=Prefix {id},CN=Root");
        var root = Issue(rootName, rootName, rootKey.Public, rootKey, null, ca: true, 1, T0.AddYears(-5), T0.AddYears(5), withPolicy: false);
        var gen = Issue(new X509Name($"C=TR,O=Prefix {id},CN=Sub"), rootName, subKey.Public, rootKey, root, ca: true, 2,
            T0.AddYears(-2), subNotAfter ?? T0.AddYears(2), withPolicy: false);
        if (caPolicies)
        {
            // Re-issue with anyPolicy: the leaf's NES policy then has a valid path.
            var g = new X509V3CertificateGenerator();
            g.SetSerialNumber(BigInteger.Two);
            g.SetIssuerDN(rootName);
            g.SetSubjectDN(gen.SubjectDN);
            g.SetNotBefore(gen.NotBefore.ToUniversalTime());
            g.SetNotAfter(gen.NotAfter.ToUniversalTime());
            g.SetPublicKey(subKey.Public);
            g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subKey.Public));
            g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(root));
            g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
            g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            g.AddExtension(X509Extensions.CertificatePolicies, false, new CertificatePolicies(new PolicyInformation(new DerObjectIdentifier("2.5.29.32.0"))));
            gen = g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", rootKey.Private));
        }
        return new Pki
        {
            Root = ParsedCertificate.From(root.GetEncoded()), SubCa = ParsedCertificate.From(gen.GetEncoded()),
            RootKey = rootKey, SubKey = subKey, RootBc = root, SubCaBc = gen,
        };
    }

    private static PathValidationResult Validate(Pki pki, ParsedCertificate leaf, DateTime at, IReadOnlyList<ParsedCrl> crls,
        bool explicitPolicy = false, IReadOnlySet<string>? policySet = null) =>
        PathValidator.Validate(new PathValidationRequest
        {
            Target = leaf,
            TrustAnchors = [pki.Root],
            Intermediates = [pki.SubCa],
            Crls = crls,
            Time = new DateTimeOffset(at, TimeSpan.Zero),
            Revocation = RevocationMode.Required,
            InitialExplicitPolicy = explicitPolicy,
            InitialPolicySet = policySet,
            // No result cache: each call must run the path logic (the prefix memo is what is under test).
            CacheScope = null,
        });

    [Fact]
    public void ARememberedSubCaDoesNotHideARevokedLeaf()
    {
        var pki = NewPki();
        var crls = new[] { pki.RootCrl(), pki.SubCrl(777) };
        var good = Validate(pki, pki.Leaf(), T0, crls);
        Assert.True(good.IsValid, good.Message);

        var revoked = Validate(pki, pki.Leaf(serialNumber: 777), T0.AddSeconds(5), crls);
        Assert.Equal(PathFailure.Revoked, revoked.Failure);
        Assert.Equal(777, revoked.RevocationEntry!.Serial.IntValue);
        Assert.Equal(3, revoked.Path.Count);
    }

    [Fact]
    public void ASubCaThatExpiresInsideTheMinuteIsJudgedAgainForTheNextLeaf()
    {
        // The sub-CA ends at 10:00:30; the first leaf is validated at 10:00:10 (fine), the second at 10:00:50 in
        // the same minute: a memo keyed by the minute alone would still call the sub-CA valid.
        var pki = NewPki(subNotAfter: T0.AddSeconds(30));
        var crls = new[] { pki.RootCrl(), pki.SubCrl() };
        var before = Validate(pki, pki.Leaf(), T0.AddSeconds(10), crls);
        Assert.True(before.IsValid, before.Message);

        var after = Validate(pki, pki.Leaf(), T0.AddSeconds(50), crls);
        Assert.Equal(PathFailure.Expired, after.Failure);
        Assert.Equal(pki.SubCa.Sha256, after.FailingCertificate!.Sha256);
    }

    [Fact]
    public void ASubCaValidYesterdayIsExpiredAtALaterValidationTime()
    {
        var pki = NewPki(subNotAfter: T0.AddDays(10));
        var crls = new[] { pki.RootCrl(), pki.SubCrl() };
        Assert.True(Validate(pki, pki.Leaf(), T0, crls).IsValid);

        var later = Validate(pki, pki.Leaf(), T0.AddDays(20), crls);
        Assert.Equal(PathFailure.Expired, later.Failure);
        Assert.Equal(pki.SubCa.Sha256, later.FailingCertificate!.Sha256);
        // And back at the first time, with the memo filled by both: valid again.
        Assert.True(Validate(pki, pki.Leaf(), T0.AddSeconds(1), crls).IsValid);
    }

    [Fact]
    public void AnotherCrlSetRevokingTheSubCaIsNotAnsweredFromTheMemo()
    {
        var pki = NewPki();
        var clean = new[] { pki.RootCrl(), pki.SubCrl() };
        Assert.True(Validate(pki, pki.Leaf(), T0, clean).IsValid);

        var subRevoked = new[] { pki.RootCrl(2), pki.SubCrl() };
        var result = Validate(pki, pki.Leaf(), T0, subRevoked);
        Assert.Equal(PathFailure.Revoked, result.Failure);
        Assert.Equal(pki.SubCa.Sha256, result.FailingCertificate!.Sha256);
    }

    [Fact]
    public void ARequirementOfExplicitPolicyIsJudgedAgainstTheSameSubCa()
    {
        // CAs without certificatePolicies: fine when no explicit policy is required, a policy failure when it is.
        var pki = NewPki(caPolicies: false);
        var crls = new[] { pki.RootCrl(), pki.SubCrl() };
        Assert.True(Validate(pki, pki.Leaf(), T0, crls).IsValid);

        var strict = Validate(pki, pki.Leaf(), T0, crls, explicitPolicy: true);
        Assert.Equal(PathFailure.Policy, strict.Failure);
    }

    [Fact]
    public void AnotherUserPolicySetIsAppliedAfterARememberedPrefix()
    {
        var pki = NewPki();
        var crls = new[] { pki.RootCrl(), pki.SubCrl() };
        var nes = Validate(pki, pki.Leaf(), T0, crls, explicitPolicy: true, policySet: new HashSet<string> { Policy });
        Assert.True(nes.IsValid, nes.Message);
        Assert.Equal([Policy], nes.ValidPolicies);

        var other = Validate(pki, pki.Leaf(), T0, crls, explicitPolicy: true, policySet: new HashSet<string> { "1.2.3.4" });
        Assert.Equal(PathFailure.Policy, other.Failure);

        // The memo's policy tree is copied, not shared: the NES set still works after the failing one.
        var again = Validate(pki, pki.Leaf(), T0, crls, explicitPolicy: true, policySet: new HashSet<string> { Policy });
        Assert.True(again.IsValid, again.Message);
        Assert.Equal([Policy], again.ValidPolicies);
    }
}
