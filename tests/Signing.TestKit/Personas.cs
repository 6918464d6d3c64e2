using System.Text.Json;

namespace Signing.TestKit;

/// <summary>Persona ids from the checked-in hsm-sim/personas.json, for [MemberData] (known before the world is built).</summary>
public static class Personas
{
    public static IEnumerable<object[]> All() => Ids(_ => true);

    public static IEnumerable<object[]> Ids(Func<JsonElement, bool> filter)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalWorld.RepositoryRoot, "hsm-sim", "personas.json")));
        return doc.RootElement.GetProperty("personas").EnumerateArray()
            .Where(filter)
            .Select(p => new object[] { p.GetProperty("id").GetString()! })
            .ToList();
    }
}
