using System.CommandLine;
using System.CommandLine.Parsing;
using Signing.Cli.Commands;
using Signing.Cli.Commands.Agent;
using Signing.Cli.Commands.Desk;

namespace Signing.Cli;

/// <summary>The `esign` command line: its commands, and what a command line it cannot run gets (a message and the usage exit code).</summary>
internal static class Esign
{
    public static RootCommand Root()
    {
        var root = new RootCommand("esign — the NES renewal desk tool of Signing (applicants and officers, with a PKCS#11 token). " + DeskExit.Help);
        // Each command group lives in Commands/ and adds itself here, one line each.
        root.Subcommands.Add(SessionCommands.Login());
        root.Subcommands.Add(SessionCommands.Logout());
        root.Subcommands.Add(SessionCommands.WhoAmI());
        root.Subcommands.Add(SessionCommands.Check());
        root.Subcommands.Add(ApplyCommand.Create());
        root.Subcommands.Add(ApplicationCommands.Receipt());
        root.Subcommands.Add(ApplicationCommands.Status());
        root.Subcommands.Add(OfficerCommands.Queue());
        root.Subcommands.Add(OfficerCommands.Paper());
        root.Subcommands.Add(OfficerCommands.Category());
        root.Subcommands.Add(OfficerCommands.Approve());
        root.Subcommands.Add(OfficerCommands.Reject());
        root.Subcommands.Add(ExpiringCommand.Create());
        root.Subcommands.Add(DeliveryCommands.Delivery());
        root.Subcommands.Add(RosterCommands.Roster());
        root.Subcommands.Add(CertCommands.Create());
        root.Subcommands.Add(CertCommands.CreateCms());
        root.Subcommands.Add(TokenCommands.Create());
        root.Subcommands.Add(SignCommand.Create());
        root.Subcommands.Add(AuditCommands.Create());
        root.Subcommands.Add(AgentCommand.Create());
        return root;
    }

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = new InvocationConfiguration { Output = stdout ?? Console.Out, Error = stderr ?? Console.Error };
        var parsed = Root().Parse(args);
        // `cert`/`cms verify` use 1 and 2 for verdicts, so their usage error is 3; everywhere else it is bad input (2).
        var group = parsed.Tokens.FirstOrDefault(t => t.Type == TokenType.Command)?.Value;
        var usageExit = group is "cert" or "cms" ? CertCommands.UsageError : DeskExit.BadInput;
        // Checked before anything runs, --help included (it hides parse errors): a script must not mistake a missing
        // command for a present one.
        if (Unknown(parsed) is var (textKey, token))
        {
            var lang = LangOf(args);
            output.Error.WriteLine(Texts.Get(lang, "error.prefix") + Texts.Get(lang, textKey, token));
            output.Error.WriteLine(Texts.Get(lang, "error.next", Texts.Get(lang, "next.help")));
            return usageExit;
        }
        if (parsed.Errors.Count == 0)
            return parsed.Invoke(output);
        parsed.Invoke(output); // System.CommandLine prints what is wrong and the usage.
        return usageExit;
    }

    /// <summary>A command or option this command line does not have, with its text key; null when the fault is elsewhere.</summary>
    private static (string TextKey, string Token)? Unknown(ParseResult parsed)
    {
        var unmatched = WithoutLang(parsed.UnmatchedTokens);
        // An unknown option can also land as the value of a command's argument (`esign status --bogus`).
        var option = unmatched.FirstOrDefault(t => t.StartsWith('-'))
            ?? parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens)
                .Select(t => t.Value).FirstOrDefault(v => v.StartsWith("--", StringComparison.Ordinal));
        if (option is not null)
            return ("usage.unknownOption", option);
        // A word where a command group (the root, `paper`, `delivery`…) expects its subcommand; a command's surplus argument
        // is left to System.CommandLine's own message.
        if (unmatched.Count > 0 && parsed.CommandResult.Command.Subcommands.Count > 0)
            return ("usage.unknownCommand", unmatched[0]);
        return null;
    }

    /// <summary>The tokens left over, less a --lang the root and the command groups do not have but the message honours.</summary>
    private static List<string> WithoutLang(IReadOnlyList<string> tokens)
    {
        var rest = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] == "--lang")
                i++;
            else if (!tokens[i].StartsWith("--lang=", StringComparison.Ordinal) && !tokens[i].StartsWith("--lang:", StringComparison.Ordinal))
                rest.Add(tokens[i]);
        }
        return rest;
    }

    /// <summary>--lang from the command line even when it did not parse, else $ESIGN_LANG; Turkish by default.</summary>
    private static Lang LangOf(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--lang" && i + 1 < args.Length)
                return DeskContext.ParseLang(args[i + 1]);
            if (args[i].StartsWith("--lang=", StringComparison.Ordinal) || args[i].StartsWith("--lang:", StringComparison.Ordinal))
                return DeskContext.ParseLang(args[i]["--lang=".Length..]);
        }
        return DeskContext.ParseLang(Environment.GetEnvironmentVariable("ESIGN_LANG"));
    }
}
