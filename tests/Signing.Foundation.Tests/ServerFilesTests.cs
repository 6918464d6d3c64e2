using System.Text.Json;
using Signing.HsmSim;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Foundation.Tests;

/// <summary>
/// The files hsm-sim writes for the server say what the manifest says, and the product itself never reads the manifest:
/// the server runs in the world from server.json and trust.json alone.
/// </summary>
[Collection(WorldCollection.Name)]
public sealed class ServerFilesTests(HsmWorldFixture world)
{
    [Fact]
    public void Trust_json_is_the_trust_of_the_manifest()
    {
        var fromFile = TrustConfiguration.Load(LocalWorld.TrustConfigurationPath);

        Assert.Equal(WorldTrust.Load(LocalWorld.ManifestPath).Fingerprint, fromFile.Fingerprint);
        Assert.Equal(world.Manifest.Pki.NesPolicyOid, Assert.Single(fromFile.QualifiedPolicyOids));
    }

    [Fact]
    public void Server_json_names_the_trust_file_the_server_token_and_every_officer_by_tenant()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(LocalWorld.ServerConfigPath));
        var signing = doc.RootElement.GetProperty("Signing");

        Assert.Equal(Path.GetFullPath(LocalWorld.TrustConfigurationPath), signing.GetProperty("TrustConfiguration").GetString());
        var server = world.Manifest.Personas.Single(p => p.Role == "server");
        Assert.Equal(server.TokenLabel, signing.GetProperty("ServerKey").GetProperty("Token").GetString());
        Assert.True(File.Exists(signing.GetProperty("ServerKey").GetProperty("ChainFile").GetString()));
        var officers = signing.GetProperty("Officers").EnumerateObject()
            .SelectMany(t => t.Value.EnumerateArray().Select(o => (Tenant: t.Name, Tckn: o.GetString())))
            .Order().ToList();
        var expected = world.Manifest.Personas.Where(p => p.Role == "officer").Select(p => (p.Tenant, p.Tckn)).Order().ToList();
        Assert.Equal(expected, officers);
        Assert.NotEmpty(officers);
        // The PIN stays out of configuration files: the build exports it as SIGNING_SERVER_PIN.
        Assert.DoesNotContain(server.UserPin, File.ReadAllText(LocalWorld.ServerConfigPath));
    }

    [Fact]
    public void No_source_file_of_the_product_knows_the_simulated_world()
    {
        var src = Path.Combine(LocalWorld.RepositoryRoot, "src");
        var offenders = Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("SIGNING_HSM_MANIFEST") || text.Contains("Signing.HsmSim") || text.Contains("EnsureSoftHsmConf")))
            .Select(f => Path.GetRelativePath(LocalWorld.RepositoryRoot, f))
            .ToList();
        Assert.Empty(offenders);
    }
}
