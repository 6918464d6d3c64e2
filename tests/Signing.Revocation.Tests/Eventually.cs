namespace Signing.Revocation.Tests;

internal static class Eventually
{
    /// <summary>Waits for <paramref name="condition"/> with a generous limit (a condition, not a timing, is asserted).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var limit = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
                Assert.Fail($"not within {seconds} s: {what}");
            await Task.Delay(50);
        }
    }
}
