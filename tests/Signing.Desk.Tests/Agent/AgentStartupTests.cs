namespace Signing.Desk.Tests.Agent;

/// <summary>Command lines the agent must refuse to start with: each says why, and nothing listens.</summary>
public sealed class AgentStartupTests
{
    [Theory]
    [InlineData("the test switch without --pin-env", "needs --pin-env NAME", "--origin", "http://desk.test:5081", "--approve-without-asking-for-tests")]
    [InlineData("no origin at all", "--origin is required")]
    [InlineData("an origin with a path", "no path", "--origin", "http://desk.test:5081/desk/")]
    [InlineData("an origin that is not http(s)", "not an absolute http:// or https:// URL", "--origin", "ftp://desk.test")]
    [InlineData("a PIN variable without the test switch", "--pin-env is only for", "--origin", "http://desk.test:5081", "--pin-env", "X")]
    public async Task The_agent_refuses_to_start(string why, string message, params string[] arguments)
    {
        var (exit, output) = await AgentProcess.RunAsync(["agent", "--port", "0", "--token", "officer-mersin-1", .. arguments]);
        Assert.True(exit == 2, $"{why}: exit {exit}, expected 2 (bad input)\n{output}");
        Assert.Contains(message, output);
        Assert.DoesNotContain("listening on", output);
    }

    [Fact]
    public async Task The_help_names_every_option_and_warns_about_the_test_switch()
    {
        var (exit, output) = await AgentProcess.RunAsync(["agent", "--help"]);
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--origin", "--port", "--timeout", "--token", "--module", "--pin-env", "--approve-without-asking-for-tests" })
            Assert.Contains(option, output);
        Assert.Contains("TESTS ONLY", output);
    }
}
