namespace Signing.Revocation.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new RevocationFetchOptions().Validate());

    [Fact]
    public void Each_problem_is_named_with_its_setting()
    {
        var options = new RevocationFetchOptions
        {
            HttpTimeout = TimeSpan.FromSeconds(1),
            OnDemandTimeout = TimeSpan.FromSeconds(5),
            RefreshFraction = 1.5,
            OcspUrlOverride = "ldap://directory/ocsp",
            CrlFiles = ["/nonexistent/crls"],
            OcspUrlByIssuer = { ["abc"] = "http://127.0.0.1/ocsp" },
            BackgroundOcspPerSecond = 0,
        };
        var problems = options.Validate();
        Assert.Contains(problems, p => p.StartsWith("OnDemandTimeout"));
        Assert.Contains(problems, p => p.StartsWith("RefreshFraction"));
        Assert.Contains(problems, p => p.StartsWith("OcspUrlOverride") && p.Contains("ldap://directory/ocsp"));
        Assert.Contains(problems, p => p.StartsWith("CrlFiles") && p.Contains("/nonexistent/crls"));
        Assert.Contains(problems, p => p.StartsWith("OcspUrlByIssuer") && p.Contains("abc"));
        Assert.Contains(problems, p => p.StartsWith("BackgroundOcspPerSecond") && p.Contains("at least 1"));
        var e = Assert.Throws<InvalidOperationException>(() => options.ThrowIfInvalid());
        Assert.Contains("RefreshFraction", e.Message);
    }

    [Fact]
    public void Refresh_comes_before_nextUpdate_by_the_larger_of_the_fraction_and_the_minimum_lead()
    {
        var options = new RevocationFetchOptions { RefreshFraction = 0.25, MinimumLead = TimeSpan.FromMinutes(10), MinimumInterval = TimeSpan.FromSeconds(30) };
        var issued = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var fetched = new DateTimeOffset(issued);
        Assert.Equal(fetched + TimeSpan.FromHours(18), options.RefreshAt(issued, issued.AddDays(1), fetched));
        Assert.Equal(fetched + TimeSpan.FromMinutes(20), options.RefreshAt(issued, issued.AddMinutes(30), fetched));
        // Valid for 4 s: the lead is capped at the validity, the interval at a quarter of it, so it never lapses.
        var shortLived = options.RefreshAt(issued, issued.AddSeconds(4), fetched);
        Assert.True(shortLived < fetched + TimeSpan.FromSeconds(4));
        Assert.Equal(fetched + options.RefreshWithoutNextUpdate, options.RefreshAt(issued, null, fetched));
    }

    [Fact]
    public void Backoff_doubles_up_to_the_maximum()
    {
        var options = new RevocationFetchOptions { RetryInitial = TimeSpan.FromSeconds(1), RetryMaximum = TimeSpan.FromSeconds(5) };
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => options.Backoff(n).TotalSeconds));
    }
}
