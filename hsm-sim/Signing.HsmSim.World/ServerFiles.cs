using System.Text.Json;
using System.Text.Json.Nodes;
using Signing.Verification;

namespace Signing.HsmSim;

/// <summary>
/// The configuration the server needs to run in this world, written beside the manifest: trust.json (the trust
/// configuration file) and server.json (an ASP.NET Core configuration file the server loads when SIGNING_CONFIG names
/// it). The server reads these files only; it never sees the manifest. The server token's PIN is not written: the
/// build exports it as SIGNING_SERVER_PIN.
/// </summary>
public static class ServerFiles
{
    public const string ServerFileName = "server.json";

    public static void Write(WorldManifest manifest, string directory)
    {
        var trustPath = Path.Combine(directory, WorldTrust.FileName);
        WriteIfChanged(trustPath, TrustConfiguration.Serialize(WorldTrust.Model(manifest)));
        WriteIfChanged(Path.Combine(directory, ServerFileName), ServerJson(manifest, trustPath).ToJsonString(WorldManifest.JsonOptions));
    }

    private static JsonObject ServerJson(WorldManifest manifest, string trustPath)
    {
        var server = manifest.Personas.Single(p => p.Role == "server");
        var officers = new JsonObject();
        foreach (var tenant in manifest.Personas.Where(p => p.Role == "officer" && p.Tckn is not null).GroupBy(p => p.Tenant))
            officers[tenant.Key] = new JsonArray(tenant.Select(p => (JsonNode)p.Tckn!).ToArray());
        return new JsonObject
        {
            ["Signing"] = new JsonObject
            {
                ["TrustConfiguration"] = trustPath,
                ["ServerKey"] = new JsonObject
                {
                    ["Token"] = server.TokenLabel,
                    ["ChainFile"] = manifest.Pki.NesSubCaCertificate,
                },
                ["Officers"] = officers,
            },
        };
    }

    // Rewritten only when different, so a reused world keeps its files' times (and a reader never sees half a file).
    private static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
            return;
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}
