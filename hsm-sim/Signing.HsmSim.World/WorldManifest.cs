using System.Text.Json;
using System.Text.Json.Serialization;

namespace Signing.HsmSim;

/// <summary>
/// What hsm-sim writes to .local/hsm/manifest.json. Tests and demos read this, never hard-coded values.
/// One type in one library for the writer and every reader, so they cannot drift apart.
/// </summary>
public sealed record WorldManifest
{
    public required int Version { get; init; }
    /// <summary>The world's clock: all relative dates were computed from it.</summary>
    public required DateTimeOffset Clock { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>SHA-256 of personas.json the world was built from (a changed file rebuilds the world).</summary>
    public required string PersonasSha256 { get; init; }
    public required string Pkcs11Module { get; init; }
    public required string SoftHsm2Conf { get; init; }
    public required string TokenDirectory { get; init; }
    public required string SoPin { get; init; }
    public required WorldPki Pki { get; init; }
    public required IReadOnlyList<WorldTenant> Tenants { get; init; }
    public required IReadOnlyList<WorldPersona> Personas { get; init; }

    public WorldPersona Persona(string id) =>
        Personas.FirstOrDefault(p => p.Id == id)
        ?? throw new KeyNotFoundException($"persona '{id}' is not in the hsm-sim manifest");

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static WorldManifest Load(string path) =>
        JsonSerializer.Deserialize<WorldManifest>(File.ReadAllText(path), JsonOptions)
        ?? throw new InvalidDataException($"{path} is empty");
}

/// <summary>Absolute paths of the test PKI's files (PEM certificates, PKCS#8 PEM keys, DER CRLs).</summary>
public sealed record WorldPki
{
    /// <summary>"Test Kamu SM Kök Sertifika Hizmet Sağlayıcısı", the trust anchor.</summary>
    public required string RootCertificate { get; init; }
    public required string RootKey { get; init; }
    /// <summary>The root's CRL (covers the sub-CA and the e-Onay issuer).</summary>
    public required string RootCrl { get; init; }
    /// <summary>The NES sub-CA that issues every persona certificate.</summary>
    public required string NesSubCaCertificate { get; init; }
    public required string NesSubCaKey { get; init; }
    /// <summary>The sub-CA's CRL, listing the revoked personas.</summary>
    public required string NesSubCaCrl { get; init; }
    /// <summary>The CRL distribution point URL written into the leaves (nothing serves it: tests pass the CRL file).</summary>
    public required string NesSubCaCrlUrl { get; init; }
    /// <summary>The e-Onay issuer (signs e-Onay confirmations), issued by the root.</summary>
    public required string EOnayIssuerCertificate { get; init; }
    public required string EOnayIssuerKey { get; init; }
    /// <summary>A root nobody trusts, and a leaf it issued (valid TCKN, NES-shaped), for negative tests.</summary>
    public required string RogueRootCertificate { get; init; }
    public required string RogueRootKey { get; init; }
    public required string RogueLeafCertificate { get; init; }
    public required string RogueLeafKey { get; init; }
    /// <summary>Policy OID written into persona certificates (Kamu SM NES arc).</summary>
    public required string NesPolicyOid { get; init; }
}

public sealed record WorldTenant(string Code, string Name);

public sealed record WorldPersona
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>Null for the server persona (a directorate certificate has no TCKN).</summary>
    public string? Tckn { get; init; }
    /// <summary>Doctor, Manager, FamilyPhysician, Individual, Officer, Server.</summary>
    public required string Category { get; init; }
    public required string Tenant { get; init; }
    /// <summary>applicant, officer, server.</summary>
    public required string Role { get; init; }
    public required string TokenLabel { get; init; }
    public required string UserPin { get; init; }
    /// <summary>rsa-2048 or ec-p256.</summary>
    public required string KeyAlgorithm { get; init; }
    /// <summary>CKA_LABEL of the private key, public key and certificate objects.</summary>
    public required string ObjectLabel { get; init; }
    /// <summary>CKA_ID (hex) shared by the key pair and the certificate.</summary>
    public required string ObjectIdHex { get; init; }
    public required string CertificatePath { get; init; }
    public required string CertificateSha256 { get; init; }
    /// <summary>Certificate serial number, hex.</summary>
    public required string SerialNumberHex { get; init; }
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public bool Revoked { get; init; }
    public bool NoNonRepudiation { get; init; }
    public bool NoQcStatements { get; init; }
}
