using System.CommandLine;

var root = new RootCommand("esign — the NES renewal desk tool of Signing (applicants and officers, with a PKCS#11 token). " + Signing.Cli.Commands.Desk.DeskExit.Help);
// Each command group lives in Commands/ and adds itself here, one line each.
// [command groups]
root.Subcommands.Add(Signing.Cli.Commands.Desk.SessionCommands.Login());
root.Subcommands.Add(Signing.Cli.Commands.Desk.SessionCommands.Logout());
root.Subcommands.Add(Signing.Cli.Commands.Desk.SessionCommands.WhoAmI());
root.Subcommands.Add(Signing.Cli.Commands.Desk.SessionCommands.Check());
root.Subcommands.Add(Signing.Cli.Commands.Desk.ApplyCommand.Create());
root.Subcommands.Add(Signing.Cli.Commands.Desk.ApplicationCommands.Receipt());
root.Subcommands.Add(Signing.Cli.Commands.Desk.ApplicationCommands.Status());
root.Subcommands.Add(Signing.Cli.Commands.Desk.OfficerCommands.Queue());
root.Subcommands.Add(Signing.Cli.Commands.Desk.OfficerCommands.Paper());
root.Subcommands.Add(Signing.Cli.Commands.Desk.OfficerCommands.Approve());
root.Subcommands.Add(Signing.Cli.Commands.Desk.OfficerCommands.Reject());
root.Subcommands.Add(Signing.Cli.Commands.Desk.OfficerCommands.Delivery());
root.Subcommands.Add(Signing.Cli.Commands.CertCommands.Create());
root.Subcommands.Add(Signing.Cli.Commands.CertCommands.CreateCms());
root.Subcommands.Add(Signing.Cli.Commands.TokenCommands.Create());
root.Subcommands.Add(Signing.Cli.Commands.SignCommand.Create());
var parsed = root.Parse(args);
if (parsed.Errors.Count == 0)
    return parsed.Invoke();
parsed.Invoke(); // System.CommandLine prints what is wrong and the usage.
// A malformed command line is bad input (exit 2, as --help documents); `cert`/`cms verify` use 1 and 2 for verdicts, so 3 there.
var group = parsed.Tokens.FirstOrDefault(t => t.Type == System.CommandLine.Parsing.TokenType.Command)?.Value;
return group is "cert" or "cms" ? 3 : 2;
