using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// RSA public keys read from the SubjectPublicKeyInfo DER with AsnReader (<see cref="PublicKeyHandle.TryCreateRsa"/>)
/// against the BouncyCastle decode (<see cref="PublicKeyHandle.Create"/>): the same key (n, e), size and error, over the
/// conformance corpora and crafted odd keys.
/// </summary>
public class PublicKeyFastPathTests
{
    private static void AssertSame(PublicKeyHandle expected, PublicKeyHandle actual, string name)
    {
        Assert.True(expected.Algorithm == actual.Algorithm, $"{name}: algorithm {actual.Algorithm} ≠ {expected.Algorithm}");
        Assert.True(expected.KeyBits == actual.KeyBits, $"{name}: {actual.KeyBits} bits ≠ {expected.KeyBits}");
        Assert.True(expected.Error == actual.Error, $"{name}: error '{actual.Error}' ≠ '{expected.Error}'");
        Assert.Equal(expected.Rsa is null, actual.Rsa is null);
        if (expected.Rsa is not null)
        {
            var e = expected.Rsa.ExportParameters(false);
            var a = actual.Rsa!.ExportParameters(false);
            Assert.True(e.Modulus.AsSpan().SequenceEqual(a.Modulus) && e.Exponent.AsSpan().SequenceEqual(a.Exponent), $"{name}: n/e differ");
        }
    }

    /// <summary>The old decode finds the key unusable: an error, or (as it always did for some keys) an exception.</summary>
    private static bool Unusable(SubjectPublicKeyInfo spki)
    {
        try { return PublicKeyHandle.Create(spki).Error is not null; }
        catch (Exception) { return true; }
    }

    [Theory]
    [InlineData("pkits")]
    [InlineData("limbo")]
    [InlineData("hsm-sim")]
    public void RsaKeysReadFromDerAgreeWithBouncyCastle(string corpus)
    {
        var fast = 0;
        foreach (var (name, der) in FastParseAgreementTests.Corpus(corpus))
        {
            SubjectPublicKeyInfo spki;
            try { spki = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der)).SubjectPublicKeyInfo; }
            catch (Exception) { continue; } // not a certificate BouncyCastle parses: never reaches the key
            var spkiDer = spki.GetEncoded(Asn1Encodable.Der);
            var actual = PublicKeyHandle.TryCreateRsa(spkiDer);
            var oid = spki.Algorithm.Algorithm.Id;
            if (actual is null)
            {
                // Left to BouncyCastle: another algorithm, or a key it finds unusable too.
                Assert.True(oid is not ("1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10") || Unusable(spki),
                    $"{name}: a usable RSA key left to BouncyCastle");
                continue;
            }
            fast++;
            AssertSame(PublicKeyHandle.Create(spki), actual, name);
        }
        Assert.True(fast > 0, "no RSA key in the corpus");
    }

    private static byte[] Spki(byte[] rsaPublicKeyContent, string oid = "1.2.840.113549.1.1.1", int padBits = 0) =>
        new SubjectPublicKeyInfo(new AlgorithmIdentifier(new DerObjectIdentifier(oid), DerNull.Instance),
            new DerBitString(rsaPublicKeyContent, padBits)).GetEncoded(Asn1Encodable.Der);

    private static byte[] RsaPublicKey(byte[] n, byte[] e) =>
        new DerSequence(new DerInteger(new Org.BouncyCastle.Math.BigInteger(n)), new DerInteger(new Org.BouncyCastle.Math.BigInteger(e))).GetEncoded(Asn1Encodable.Der);

    public static IEnumerable<object[]> OddKeys()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var n = p.Modulus!;
        yield return ["2048-bit, e=65537", Spki(RsaPublicKey([0, .. n], [1, 0, 1])), true];
        yield return ["id-RSASSA-PSS key", Spki(RsaPublicKey([0, .. n], [1, 0, 1]), "1.2.840.113549.1.1.10"), true];
        // The modulus as a negative INTEGER (no 0x00 prefix): BouncyCastle's PositiveValue reads it as unsigned.
        yield return ["negative-looking modulus", Spki(RsaPublicKey(n, [1, 0, 1])), true];
        yield return ["even exponent", Spki(RsaPublicKey([0, .. n], [1, 0, 0])), true];
        yield return ["zero exponent", Spki(RsaPublicKey([0, .. n], [0])), false];
        yield return ["1000-bit modulus", Spki(RsaPublicKey([0, .. n[..125]], [3])), true];
        yield return ["trailing data in the key", Spki([.. RsaPublicKey([0, .. n], [1, 0, 1]), 5, 0]), false];
        yield return ["pad bits", Spki(RsaPublicKey([0, .. n], [1, 0, 1]), padBits: 1), false];
        yield return ["three integers", Spki(new DerSequence(DerInteger.ValueOf(1), DerInteger.ValueOf(3), DerInteger.ValueOf(5)).GetEncoded()), false];
    }

    [Theory]
    [MemberData(nameof(OddKeys))]
    public void OddRsaKeysGiveTheOldAnswer(string name, byte[] spkiDer, bool fastTaken)
    {
        var actual = PublicKeyHandle.TryCreateRsa(spkiDer);
        Assert.Equal(fastTaken, actual is not null);
        if (actual is not null)
            AssertSame(PublicKeyHandle.Create(SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spkiDer))), actual, name);
        if (name == "2048-bit, e=65537")
            Assert.Equal(2048, actual!.KeyBits);
    }

    [Fact]
    public void BitLengthMatchesBouncyCastle()
    {
        foreach (var bytes in new byte[][] { [], [1], [0x80], [0x7F, 0], [0xFF, 0xFF, 0xFF], [0x01, 0, 0, 0, 0] })
            Assert.Equal(new Org.BouncyCastle.Math.BigInteger(1, bytes).BitLength, PublicKeyHandle.BitLength(bytes));
    }
}
