using Signing.Server;
using Signing.Server.Configuration;

if (args is [MigrateCommand.Name, .. var migrateArgs])
    return await MigrateCommand.RunAsync(migrateArgs, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
var debug = builder.Configuration["Logging:LogLevel:Default"] is "Debug" or "Trace";
var started = false;
// A failed start is reported below as one line; the host's own report of it carries the stack trace, so only at Debug.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => debug || (started && level >= LogLevel.Warning));
WebApplication? app = null;
try
{
    builder.ConfigureSigningServer();
    app = builder.Build();
    app.MapSigningServer();
    await app.StartAsync();
    started = true;
}
catch (Exception e)
{
    // One line a person or a service manager can act on, and an exit code per class (StartupFailure); the stack trace
    // only when the log level asks for it.
    var (failure, line) = StartupFailures.Describe(e, app?.Services);
    // Written before (or without) the logging layer: masked here, as every log line is (Logging/TcknRedaction).
    Console.Error.WriteLine("signing-server: " + Signing.Domain.Tckn.MaskAll(line));
    if (debug)
        Console.Error.WriteLine(Signing.Domain.Tckn.MaskAll(e.ToString()));
    if (app is not null)
        await app.DisposeAsync();
    return (int)failure;
}
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;

/// <summary>Entry point marker for in-process tests (WebApplicationFactory).</summary>
public partial class Program;
