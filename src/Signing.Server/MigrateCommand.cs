using Npgsql;
using Signing.Server.Configuration;
using Signing.Store;

namespace Signing.Server;

/// <summary>
/// `Signing.Server migrate`: applies the schema and the roles' grants as the owner role, then exits (0 when done). The
/// server itself never changes the schema: deployments run this step first, once, before starting or upgrading nodes.
/// Settings as the server reads them (appsettings.json, SIGNING_CONFIG, environment, command line):
/// Signing:Database:OwnerConnectionString (or SIGNING_DB_OWNER), Signing:Database:RuntimeRole, Signing:Database:AuditRole.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";
    public const string OwnerSetting = "Signing:Database:OwnerConnectionString";
    public const string OwnerVariable = "SIGNING_DB_OWNER";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            ServerSetup.AddConfigFile(builder.Configuration);
            var configuration = builder.Configuration;
            var (setting, owner) = configuration[OwnerSetting] is { Length: > 0 } configured ? (OwnerSetting, configured)
                : configuration[OwnerVariable] is { Length: > 0 } fromEnv ? (OwnerVariable, fromEnv)
                : throw new StartupException(StartupFailure.InvalidSetting,
                    $"no owner connection string: set {OwnerSetting} (or {OwnerVariable}) to the schema owner's Npgsql connection string");
            var described = DatabaseSetting.Parse(setting, owner);
            var roles = new DatabaseRoles(configuration["Signing:Database:RuntimeRole"] is { Length: > 0 } runtime ? runtime : DatabaseRoles.DefaultRuntime,
                configuration["Signing:Database:AuditRole"] is { Length: > 0 } audit ? audit : DatabaseRoles.DefaultAudit);
            var result = await SigningStore.MigrateAsync(owner, roles, CancellationToken.None);
            var user = new NpgsqlConnectionStringBuilder(owner).Username;
            if (result.WaitedForAnother)
                output.WriteLine("migrate: waited for a migration running elsewhere to finish");
            output.WriteLine($"migrate: {described.Describe()} as {user}: " +
                (result.Changes.Count == 0 ? "schema already current" : $"{result.Changes.Count} schema change(s)"));
            foreach (var change in result.Changes)
                output.WriteLine("  " + change);
            output.WriteLine($"migrate: grants to {roles.Runtime} (runtime) and {roles.Audit} (audit):");
            foreach (var grant in result.Grants)
                output.WriteLine("  " + grant);
            return 0;
        }
        catch (Exception e)
        {
            var (failure, line) = e is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.UndefinedObject } refused
                ? (StartupFailure.InvalidSetting, $"the migration was refused ({refused.MessageText}): connect as the schema's owner and create the roles first (README \"Database roles\")")
                : StartupFailures.Describe(e, null);
            error.WriteLine("signing-server migrate: " + line.Replace("correct SIGNING_DB", $"correct {OwnerVariable}", StringComparison.Ordinal));
            return (int)failure;
        }
    }
}
