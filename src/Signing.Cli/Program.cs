using System.CommandLine;

var root = new RootCommand("esign — the NES renewal desk tool of Signing (applicants and officers, with a PKCS#11 token)");
// Each command group lives in Commands/ and adds itself here, one line each.
// [command groups]
root.Subcommands.Add(Signing.Cli.Commands.CertCommands.Create());
root.Subcommands.Add(Signing.Cli.Commands.CertCommands.CreateCms());
root.Subcommands.Add(Signing.Cli.Commands.TokenCommands.Create());
root.Subcommands.Add(Signing.Cli.Commands.SignCommand.Create());
return root.Parse(args).Invoke();
