using Signing.Cli;
using Signing.Cli.Commands;
using Signing.Cli.Commands.Desk;

namespace Signing.Demo.Tests;

/// <summary>`esign` as a script sees it, through its entry point: what it says on stderr and the exit code.</summary>
public sealed class EsignCommandLineTests
{
    private static (int Exit, string Out, string Err) Esign(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = Signing.Cli.Esign.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("nosuchcommand")]
    [InlineData("nosuchcommand", "--help")]
    [InlineData("shred", "all", "--help")]
    [InlineData("shred", "all")]
    public void An_unknown_command_is_named_in_Turkish_with_the_usage_exit_code_even_with_help(params string[] args)
    {
        var (exit, stdout, stderr) = Esign(args);
        Assert.Equal(DeskExit.BadInput, exit);
        Assert.Contains($"bilinmeyen komut '{args[0]}'", stderr);
        Assert.Contains("esign --help", stderr);
        Assert.DoesNotContain("Usage", stdout); // the root help is not printed as if the command existed
    }

    [Fact]
    public void An_unknown_command_is_named_in_English_with_lang_en()
    {
        var (exit, _, stderr) = Esign("shred", "all", "--help", "--lang", "en");
        Assert.Equal(DeskExit.BadInput, exit);
        Assert.Contains("unknown command 'shred'", stderr);
    }

    [Fact]
    public void An_unknown_subcommand_of_a_group_is_an_unknown_command()
    {
        var (exit, _, stderr) = Esign("paper", "shred", "--lang", "en");
        Assert.Equal(DeskExit.BadInput, exit);
        Assert.Contains("unknown command 'shred'", stderr);
    }

    [Theory]
    [InlineData(DeskExit.BadInput, "status", "--bogus")]
    [InlineData(DeskExit.BadInput, "apply", "--category", "doctor", "--bogus", "--help")]
    [InlineData(CertCommands.UsageError, "cert", "verify", "x.pem", "--bogus")]
    public void An_unknown_option_is_named_with_the_usage_exit_code_of_its_command(int usage, params string[] args)
    {
        var (exit, _, stderr) = Esign([.. args, "--lang", "en"]);
        Assert.Equal(usage, exit);
        Assert.Contains("unknown option '--bogus'", stderr);
    }

    [Fact]
    public void Help_of_a_command_that_exists_still_exits_zero()
    {
        var (exit, stdout, stderr) = Esign("apply", "--help");
        Assert.Equal(DeskExit.Ok, exit);
        Assert.Contains("--tenant", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Confirming_a_category_takes_only_the_categories_a_queue_can_hold_by_name()
    {
        var (help, stdout, _) = Esign("category", "confirm", "--help");
        Assert.Equal(DeskExit.Ok, help);
        Assert.Contains("--category", stdout);
        Assert.Contains("staff list", stdout);

        var (exit, _, stderr) = Esign("category", "confirm", "ABC-123", "--category", "nurse", "--lang", "en");
        Assert.Equal(DeskExit.BadInput, exit);
        Assert.Contains("nurse", stderr);
    }

    [Fact]
    public void The_root_help_documents_the_usage_exit_code()
    {
        var (exit, stdout, _) = Esign("--help");
        Assert.Equal(DeskExit.Ok, exit);
        Assert.Contains("2 bad input", stdout);
    }
}
