using Signing.Server;

var builder = WebApplication.CreateBuilder(args);
builder.ConfigureSigningServer();

var app = builder.Build();
app.MapSigningServer();
app.Run();

/// <summary>Entry point marker for in-process tests (WebApplicationFactory).</summary>
public partial class Program;
