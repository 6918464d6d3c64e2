using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Verification;

namespace Signing.Load;

/// <summary>One pre-signed submission: a distinct applicant (own NES certificate) and the attached CAdES of their form.</summary>
public sealed record PoolItem(string RequestId, string Tckn, byte[] Cms);

/// <summary>What the load driver needs from the hsm-sim world's manifest (.local/hsm/manifest.json).</summary>
public sealed record WorldManifest(string Path, string RootCertificate, string SubCaCertificate, string SubCaKey, string TemplateCertificate,
    IReadOnlySet<string> PersonaTcknS, string? ServerPin, string? OfficerToken, string? OfficerPin, string? OfficerTckn, string Pkcs11Module)
{
    public static WorldManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"the hsm-sim manifest is not at {path} (run ./build.sh --target=HsmSim, or set SIGNING_HSM_MANIFEST)", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var pki = root.GetProperty("pki");
        var personas = root.GetProperty("personas").EnumerateArray().ToList();
        JsonElement? Persona(string id) => personas.FirstOrDefault(p => p.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } p ? p : null;
        string? Str(JsonElement? e, string name) => e is { } v && v.TryGetProperty(name, out var x) ? x.GetString() : null;
        var doctor = Persona("doctor") ?? throw new InvalidDataException("the manifest has no 'doctor' persona (its certificate is the NES profile template)");
        var officer = Persona("officer-mersin-1");
        return new WorldManifest(path,
            pki.GetProperty("rootCertificate").GetString()!,
            pki.GetProperty("nesSubCaCertificate").GetString()!,
            pki.GetProperty("nesSubCaKey").GetString()!,
            Str(doctor, "certificatePath")!,
            personas.Select(p => Str(p, "tckn")).OfType<string>().ToHashSet(),
            Str(Persona("server-mersin"), "userPin"),
            Str(officer, "tokenLabel"), Str(officer, "userPin"), Str(officer, "tckn"),
            root.TryGetProperty("pkcs11Module", out var m) ? m.GetString() ?? "" : "");
    }
}

/// <summary>
/// The load run's pool: synthetic applicants (<see cref="ApplicantFactory"/>) made before the clock starts, each for its
/// own valid TCKN, K key pairs in turn (K above the verifier's 64-entry key cache makes every submission bring a key the
/// server has not seen).
/// </summary>
public static class IdentityPool
{
    public static List<PoolItem> Build(WorldManifest world, string tenant, int count, int keyCount, string runTag, DateTimeOffset now,
        IReadOnlySet<string>? taken = null)
    {
        var tckns = Tckns(count, taken is null ? world.PersonaTcknS : new HashSet<string>(world.PersonaTcknS.Concat(taken)), runTag, tenant);
        using var factory = new ApplicantFactory(world, Math.Clamp(keyCount, 1, count), ApplicantKeyType.Rsa, now);
        var items = new PoolItem[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => items[i] = factory.Make(i, tenant, tckns[i], $"load-{runTag}-{tenant}-{i}", now));
        return [.. items];
    }

    /// <summary>
    /// A pool over several provinces: <paramref name="count"/> and <paramref name="keyCount"/> split evenly between them,
    /// each province's part made (or, with <paramref name="cached"/>, read) on its own, then interleaved so that the n-th
    /// form taken goes to province n mod N whatever the callers' timing: every province gets the same share of the load.
    /// </summary>
    public static List<PoolItem> BuildSpread(WorldManifest world, IReadOnlyList<string> tenants, int count, int keyCount, string runTag,
        DateTimeOffset now, bool cached, Action<string> log, IReadOnlySet<string>? taken = null)
    {
        if (count < tenants.Count)
            throw new ArgumentException($"--pool {count} is smaller than the {tenants.Count} provinces it is spread over");
        // Keys split too: 81 provinces × the full key count would spend minutes making RSA keys; split, every window of
        // consecutive submissions still brings keys the verifier's cache has not seen (each province has its own).
        var keysEach = Math.Max(1, (keyCount + tenants.Count - 1) / tenants.Count);
        var parts = tenants.Select((tenant, t) =>
        {
            var share = count / tenants.Count + (t < count % tenants.Count ? 1 : 0);
            return cached ? BuildOrLoad(world, tenant, share, keysEach, runTag, now, log) : Build(world, tenant, share, keysEach, runTag, now, taken);
        }).ToList();
        var spread = new List<PoolItem>(count);
        for (var i = 0; spread.Count < count; i++)
        {
            foreach (var part in parts)
            {
                if (i < part.Count)
                    spread.Add(part[i]);
            }
        }
        return spread;
    }

    /// <summary>
    /// A pool made earlier for the same world, tenant and size (file under the temp directory), or a new one saved there.
    /// Only for runs against a fresh database: the same applicants and request ids would be retries against a used one.
    /// </summary>
    public static List<PoolItem> BuildOrLoad(WorldManifest world, string tenant, int count, int keyCount, string runTag, DateTimeOffset now, Action<string> log)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            "pool-v3", File.ReadAllText(world.SubCaCertificate), File.ReadAllText(world.TemplateCertificate), tenant, count, keyCount))))[..20];
        var dir = Path.Combine(Path.GetTempPath(), "signing-load-pools");
        var file = Path.Combine(dir, $"pool-{tenant}-{count}-k{keyCount}-{key}.bin");
        // The certificates are valid for 60 days from issuance and the signing time must not lie in the future: a week-old pool is remade.
        if (File.Exists(file) && File.GetLastWriteTimeUtc(file) > now.UtcDateTime.AddDays(-7) && File.GetLastWriteTimeUtc(file) < now.UtcDateTime)
        {
            try
            {
                using var reader = new BinaryReader(File.OpenRead(file));
                var n = reader.ReadInt32();
                var items = new List<PoolItem>(n);
                for (var i = 0; i < n; i++)
                    items.Add(new PoolItem(reader.ReadString(), reader.ReadString(), reader.ReadBytes(reader.ReadInt32())));
                log($"load: pool of {n:N0} read from {file}");
                return items;
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
            {
                log($"load: cached pool {file} unreadable ({e.Message}); making a new one");
            }
        }
        var built = Build(world, tenant, count, keyCount, runTag, now);
        Directory.CreateDirectory(dir);
        var temp = file + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(built.Count);
            foreach (var item in built)
            {
                writer.Write(item.RequestId);
                writer.Write(item.Tckn);
                writer.Write(item.Cms.Length);
                writer.Write(item.Cms);
            }
        }
        File.Move(temp, file, overwrite: true);
        return built;
    }

    /// <summary>Checks one pool item with the same verifier the server uses; returns the verdict for the caller to judge.</summary>
    public static Signing.Verification.Verdict VerifySample(string manifestPath, PoolItem item) =>
        new CmsVerifier(TrustConfiguration.Load(Path.Combine(Path.GetDirectoryName(manifestPath)!, "trust.json"))).Verify(item.Cms);

    /// <summary>
    /// Distinct valid TCKNs (both check digits computed), never a persona's; random per run so runs against one store do
    /// not meet. A province (plate code) draws from its own block of ten million, so two provinces' pools never share an
    /// applicant, whichever runs made them.
    /// </summary>
    public static string[] Tckns(int count, IReadOnlySet<string> avoid, string runTag, string? tenant = null)
    {
        var (low, high) = int.TryParse(tenant, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var plate) && plate is >= 1 and <= 81
            ? (100_000_000 + plate * 10_000_000, 110_000_000 + plate * 10_000_000)
            : (100_000_000, 1_000_000_000);
        if (count > (high - low) / 2)
            throw new ArgumentException($"{count:N0} applicants are too many for one province's block of TCKNs");
        var random = new Random(StringComparer.Ordinal.GetHashCode(runTag));
        var seen = new HashSet<string>(avoid);
        var result = new string[count];
        var n = 0;
        while (n < count)
        {
            var text = Signing.Domain.Tckn.WithCheckDigits(random.Next(low, high).ToString(System.Globalization.CultureInfo.InvariantCulture)).Value;
            if (seen.Add(text))
                result[n++] = text;
        }
        return result;
    }
}
