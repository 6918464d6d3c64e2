using System.Text.Json;

namespace Signing.HsmSim;

/// <summary>The checked-in input: hsm-sim/personas.json.</summary>
public sealed record PersonaFile(IReadOnlyList<WorldTenant> Tenants, IReadOnlyList<PersonaSpec> Personas)
{
    public static PersonaFile Load(string path)
    {
        var file = JsonSerializer.Deserialize<PersonaFile>(File.ReadAllText(path), WorldManifest.JsonOptions)
                   ?? throw new WorldException($"{path} is empty");
        var duplicate = file.Personas.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new WorldException($"{path}: persona id '{duplicate.Key}' appears twice");
        foreach (var p in file.Personas)
        {
            if (p.Id.Length is 0 or > 32)
                throw new WorldException($"{path}: persona id '{p.Id}' must be 1–32 characters (it becomes the token label)");
            if (p.Role != "server" && (p.Tckn is null || !Signing.Domain.Tckn.IsValid(p.Tckn)))
                throw new WorldException($"{path}: persona '{p.Id}' needs a TCKN with a valid checksum");
            if (p.Key is not ("rsa-2048" or "ec-p256"))
                throw new WorldException($"{path}: persona '{p.Id}' key must be rsa-2048 or ec-p256");
        }
        return file;
    }
}

public sealed record PersonaSpec
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Tckn { get; init; }
    public required string Category { get; init; }
    public required string Tenant { get; init; }
    public required string Role { get; init; }
    public required string Key { get; init; }
    /// <summary>Days from the clock to notAfter; notBefore is 3 years (1095 days) earlier.</summary>
    public required int NotAfterDays { get; init; }
    public bool Revoked { get; init; }
    public bool NoNonRepudiation { get; init; }
    public bool NoQcStatements { get; init; }
}

public sealed class WorldException(string message) : Exception(message);

public sealed record WorldOptions(string OutDirectory, string PersonasPath, DateTimeOffset? Clock, bool Fresh, string Module,
    string PkiHost = WorldBuilder.DefaultPkiHost, int? PkiPort = null, int? OpensslOcspPort = null);
