using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Signing.Desk.Tests.Agent;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;

namespace Signing.Desk.Tests.Browser;

/// <summary>The server on real sockets, its desk told where the officer's agent listens (a port chosen up front).</summary>
public sealed class DeskServer : SigningServer
{
    public int AgentPort { get; } = FreePort();

    /// <summary>The desk page's origin: the REST port, where the page and the API it calls live.</summary>
    public string DeskOrigin => $"http://127.0.0.1:{RestPort}";

    public string DeskUrl => DeskOrigin + "/desk/";

    protected override bool Live => true;

    protected override void AddSettings(Dictionary<string, string?> settings) =>
        settings["Signing:Desk:AgentUrl"] = $"http://127.0.0.1:{AgentPort}";

    public static int FreePort() => Signing.HsmSim.ServeProcesses.FreeLoopbackPort();
}

/// <summary>
/// One server, one Chromium for every browser test (they run one after another): Mersin ("33", two approvals) is the
/// directorate, officer-mersin-1 and officer-mersin-2 its officers, each signing through a real esign agent with their card.
/// </summary>
public sealed class DeskWorld : IAsyncLifetime
{
    public const string Tenant = "33";

    public DeskServer Server { get; } = new();
    public Chromium Chromium { get; } = new();

    /// <summary>An agent for the persona's card on the port the desk is configured with; one at a time (like one officer's machine).</summary>
    public async Task<AgentProcess> StartAgentAsync(string persona)
    {
        var agent = new AgentProcess([Server.DeskOrigin], persona, autoApprove: true, port: Server.AgentPort);
        await agent.StartAsync();
        return agent;
    }

    /// <summary>Bearer headers of a Mersin officer without a card (for setting the scene over gRPC: registering paper).</summary>
    public static Metadata OfficerHeaders(string persona = "officer-mersin-2")
    {
        var p = Cards.Manifest.Persona(persona);
        return Cards.IssuedSession(p.Tckn!, p.Name, "officer", Tenant);
    }

    /// <summary>docs/ of the repository, where the README's screenshots live.</summary>
    public static string DocsPath(string file)
    {
        var docs = Path.Combine(LocalWorld.RepositoryRoot, "docs");
        Directory.CreateDirectory(docs);
        return Path.Combine(docs, file);
    }

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        await Chromium.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DeskCollection : ICollectionFixture<DeskWorld>
{
    public const string Name = "desk in a browser";
}
