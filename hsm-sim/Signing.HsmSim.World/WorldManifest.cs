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
    /// <summary>The world's HTTP services (CRLs, OCSP, TSA) as `hsm-sim serve` publishes them and the certificates name them.</summary>
    public required WorldServices Services { get; init; }
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
    /// <summary>The CRL distribution point URL written into the sub-CA's certificates (served by `hsm-sim serve`).</summary>
    public required string NesSubCaCrlUrl { get; init; }
    /// <summary>The CRL distribution point URL written into the root's certificates (sub-CA, e-Onay, server, TSA).</summary>
    public required string RootCrlUrl { get; init; }
    /// <summary>The timestamp authority, issued by the root: extendedKeyUsage id-kp-timeStamping only, critical.</summary>
    public required string TsaCertificate { get; init; }
    public required string TsaKey { get; init; }
    /// <summary>The policy OID the world's TSA writes into its tokens (a test arc).</summary>
    public required string TsaPolicyOid { get; init; }
    /// <summary>The delegated OCSP responder of the NES sub-CA (id-kp-OCSPSigning, ocsp-nocheck), used by OpenSSL's responder.</summary>
    public required string OcspResponderCertificate { get; init; }
    public required string OcspResponderKey { get; init; }
    /// <summary>The NES sub-CA's OpenSSL CA database (index.txt: V/R lines) that OpenSSL's responder answers from.</summary>
    public required string NesSubCaIndex { get; init; }
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
    /// <summary>When a revoked persona's certificate was revoked (on the CRLs and in OCSP answers); null when not revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>"root" or "nes-subca": the CA that issued this persona's certificate (a key of <see cref="WorldServices.CrlUrls"/>).</summary>
    public string Issuer { get; init; } = "nes-subca";
    public bool NoNonRepudiation { get; init; }
    public bool NoQcStatements { get; init; }
}

/// <summary>
/// The HTTP services of the world on one loopback host and port (picked when the world is built and written into every
/// certificate's AIA and CDP), plus OpenSSL's own OCSP responder on a second port.
/// </summary>
public sealed record WorldServices
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    /// <summary>http://host:port (no trailing slash).</summary>
    public required string BaseUrl { get; init; }
    /// <summary>The world's own OCSP responder, the one named in the certificates' AIA (POST, or GET base64 path form).</summary>
    public required string OcspUrl { get; init; }
    /// <summary>The RFC 3161 timestamp authority (POST application/timestamp-query).</summary>
    public required string TsaUrl { get; init; }
    /// <summary>CRL URLs by CA ("root", "nes-subca"): http://host:port/crl/&lt;ca&gt;.crl.</summary>
    public required IReadOnlyDictionary<string, string> CrlUrls { get; init; }
    public required int OpensslOcspPort { get; init; }
    /// <summary>`openssl ocsp -index` answering for the NES sub-CA with the delegated responder certificate.</summary>
    public required string OpensslOcspUrl { get; init; }
    /// <summary>Where the world's `serve` keeps its state: the CRLs it issued, its pid and ready files, its log.</summary>
    public required string ServeDirectory { get; init; }

    /// <summary>The ready file a serve of this world writes once it answers (JSON: <see cref="ServeReady"/>).</summary>
    public string ReadyFile => Path.Combine(ServeDirectory, ServeReady.FileName);
    public string LogFile => Path.Combine(ServeDirectory, "serve.log");

    public static string CrlPath(string ca) => $"/crl/{ca}.crl";
}

/// <summary>What a running `hsm-sim serve` writes once every service it was asked for answers; deleted when it stops.</summary>
public sealed record ServeReady
{
    public const string FileName = "serve.json";

    public required int Pid { get; init; }
    /// <summary>The world directory served (absolute): proves whose serve this is.</summary>
    public required string World { get; init; }
    /// <summary>The manifest's CreatedAt of the world served: a rebuilt world needs a new serve.</summary>
    public required DateTimeOffset WorldCreatedAt { get; init; }
    public required string BaseUrl { get; init; }
    public string? OcspUrl { get; init; }
    public string? TsaUrl { get; init; }
    public IReadOnlyDictionary<string, string>? CrlUrls { get; init; }
    public string? OpensslOcspUrl { get; init; }
    public int? OpensslPid { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    public static ServeReady? TryLoad(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ServeReady>(File.ReadAllText(path), WorldManifest.JsonOptions) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }
}
