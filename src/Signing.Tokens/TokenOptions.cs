using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;

namespace Signing.Tokens;

/// <summary>How a logged-in token signs.</summary>
public sealed record TokenOptions
{
    /// <summary>
    /// Never let the token hash: RSA PKCS#1 v1.5 goes through CKM_RSA_PKCS over a host-built DigestInfo and
    /// RSA-PSS through CKM_RSA_PKCS_PSS over a host hash — what many AKİS cards need. Also the switch that
    /// makes the fallback path testable on SoftHSM, which offers both.
    /// </summary>
    public bool ForceHostHashing { get; init; }

    /// <summary>Mechanisms to treat as absent, as if the card did not list them (simulates a poorer card).</summary>
    public IReadOnlyCollection<CKM> DisabledMechanisms { get; init; } = [];

    /// <summary>
    /// Sign with a session-object copy of the private key instead of the token object itself. The copy is made once
    /// per session (C_CopyObject with only CKA_TOKEN=false in the template, so it stays private, sensitive and
    /// non-extractable like its source) inside the token: the key never leaves it. Why: SoftHSM re-reads a token
    /// object's file on every use while session objects live in memory, which matters for a key that signs every
    /// receipt (bench/Signing.Benchmarks measures both). The copy vanishes with its session; after a re-open
    /// (token pulled and put back) the key is copied again. Needs the key's CKA_COPYABLE to be true (the default):
    /// if the token refuses the copy for any reason (CKR_ACTION_PROHIBITED, CKR_FUNCTION_NOT_SUPPORTED,
    /// CKR_TEMPLATE_INCONSISTENT…), signing silently uses the token object — asked once per session, not per signature.
    /// </summary>
    public bool SignWithSessionCopy { get; init; }
}

public enum SignatureKind { RsaPkcs1, RsaPss, Ecdsa }

/// <summary>A signature scheme: padding/algorithm and hash. PSS always uses MGF1 with the same hash and a salt of the hash length.</summary>
public sealed record SignatureScheme(SignatureKind Kind, HashAlgorithmName Hash)
{
    public static readonly SignatureScheme RsaPkcs1Sha256 = new(SignatureKind.RsaPkcs1, HashAlgorithmName.SHA256);
    public static readonly SignatureScheme RsaPssSha256 = new(SignatureKind.RsaPss, HashAlgorithmName.SHA256);
    public static readonly SignatureScheme EcdsaSha256 = new(SignatureKind.Ecdsa, HashAlgorithmName.SHA256);

    /// <summary>The scheme used when none is asked for: PKCS#1 v1.5 for RSA (what every verifier accepts), ECDSA for EC.</summary>
    public static SignatureScheme DefaultFor(KeyAlgorithm algorithm) =>
        algorithm == KeyAlgorithm.Rsa ? RsaPkcs1Sha256 : EcdsaSha256;

    internal int HashLength => Hash.Name switch
    {
        "SHA256" => 32,
        "SHA384" => 48,
        "SHA512" => 64,
        _ => throw new NotSupportedException($"hash {Hash.Name} is not supported (SHA-256, SHA-384, SHA-512 are)"),
    };

    internal byte[] HashData(byte[] data) => Hash.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new NotSupportedException($"hash {Hash.Name} is not supported"),
    };

    public override string ToString() => $"{Kind}-{Hash.Name}";
}
