using System.Security.Cryptography;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>
/// The reused-context RSA verify (<see cref="OpenSslRsaVerifier"/>) against .NET's verify with the same key: "valid"
/// exactly when .NET says valid, for good signatures and every tampering, from several threads at once.
/// </summary>
public class OpenSslRsaVerifierTests
{
    private static (RSA Key, OpenSslRsaVerifier Native) KeyAsTheEngineMakesIt(RSA signer)
    {
        var p = signer.ExportParameters(false);
        var key = OpenSslRsaKeys.TryCreate(p.Modulus!, p.Exponent!);
        Assert.NotNull(key); // Linux with OpenSSL 3: the fast key path is live here
        var native = OpenSslRsaVerifier.For(key);
        Assert.NotNull(native);
        return (key, native);
    }

    public static IEnumerable<object[]> Cases() =>
        from hash in new[] { "SHA256", "SHA384", "SHA512" }
        from tamper in new[] { "none", "signature bit", "data bit", "other key", "other hash", "short signature", "empty signature", "long signature" }
        select new object[] { hash, tamper };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AgreesWithDotNet(string hash, string tamper)
    {
        using var signer = RSA.Create(2048);
        using var other = RSA.Create(2048);
        var (key, native) = KeyAsTheEngineMakesIt(signer);
        var name = new HashAlgorithmName(hash);
        var data = RandomNumberGenerator.GetBytes(300);
        var signature = (tamper == "other key" ? other : signer).SignData(data, tamper == "other hash" ? (hash == "SHA256" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256) : name, RSASignaturePadding.Pkcs1);
        switch (tamper)
        {
            case "signature bit": signature[100] ^= 0x01; break;
            case "data bit": data[7] ^= 0x80; break;
            case "short signature": signature = signature[1..]; break;
            case "empty signature": signature = []; break;
            case "long signature": signature = [0, .. signature]; break;
        }
        var expected = key.VerifyData(data, signature, name, RSASignaturePadding.Pkcs1);
        Assert.Equal(tamper == "none", expected);
        // The key's first call is left to .NET (false = "ask .NET"); the second makes a context, the third reuses it.
        Assert.False(native.IsValid(hash, data, signature));
        Assert.Equal(expected, native.IsValid(hash, data, signature));
        Assert.Equal(expected, native.IsValid(hash, data, signature));
        // A failed verify leaves nothing in OpenSSL's error queue that would break .NET's next operation.
        var good = signer.SignData(data, name, RSASignaturePadding.Pkcs1);
        Assert.True(key.VerifyData(data, good, name, RSASignaturePadding.Pkcs1));
        Assert.True(native.IsValid(hash, data, good));
    }

    [Fact]
    public void OtherHashesAreLeftToDotNet()
    {
        using var signer = RSA.Create(2048);
        var (_, native) = KeyAsTheEngineMakesIt(signer);
        var data = RandomNumberGenerator.GetBytes(50);
        var signature = signer.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
        Assert.False(native.IsValid("SHA1", data, signature));
        Assert.False(native.IsValid("SHA1", data, signature));
    }

    [Fact]
    public void ConcurrentCallersEachGetTheRightAnswer()
    {
        using var signer = RSA.Create(2048);
        var (_, native) = KeyAsTheEngineMakesIt(signer);
        var data = Enumerable.Range(0, 64).Select(i => RandomNumberGenerator.GetBytes(100 + i)).ToArray();
        var signatures = data.Select(d => signer.SignData(d, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)).ToArray();
        Assert.False(native.IsValid("SHA256", data[0], signatures[0])); // first use: .NET's
        var wrong = 0;
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            var k = i % data.Length;
            var tampered = i % 3 == 0;
            var sig = tampered ? signatures[(k + 1) % data.Length] : signatures[k];
            if (native.IsValid("SHA256", data[k], sig) == tampered)
                Interlocked.Increment(ref wrong);
        });
        Assert.Equal(0, wrong);
    }
}
