using System.Text;
using Signing.Record;

namespace Signing.Audit.Tests;

/// <summary>The audit hashes leaves from one reused buffer: what a longer earlier leaf left in it must not leak into the next.</summary>
public sealed class LeafBufferTests
{
    [Fact]
    public void A_reused_buffer_gives_the_same_bytes_as_a_fresh_leaf_input()
    {
        var stream = Guid.Parse("0b7e4c2a-9f1d-4c3b-8a6e-5d2f1e0c9b8a");
        var longJson = "{\"Note\": \"" + new string('ş', 3000) + "\"}";
        const string shortJson = "{\"At\": \"2026-12-02T07:00:00+00:00\", \"Name\": \"Çağrı Öztürk\"}";
        byte[] buffer = [];

        var longLength = LeafInput.WriteV1("33", stream, 1, "renewal_submitted", 1_764_658_800_000_000, longJson, ref buffer);
        Assert.Equal(LeafInput.ForV1("33", stream, 1, "renewal_submitted", 1_764_658_800_000_000, longJson), buffer.AsSpan(0, longLength).ToArray());

        var grown = buffer;
        var shortLength = LeafInput.WriteV1("6", stream, 2, "approval_given", -1, shortJson, ref buffer);
        Assert.Same(grown, buffer);
        var expected = Encoding.UTF8.GetBytes($"signing/leaf/v1\n6\n{stream:D}\n2\napproval_given\n-1\n{shortJson}");
        Assert.Equal(expected, buffer.AsSpan(0, shortLength).ToArray());
        Assert.Equal(expected, LeafInput.ForV1("6", stream, 2, "approval_given", -1, shortJson));

        // A v2 input after them in the same buffer: the digest's 64 hex digits end it, nothing of the JSON behind.
        var digest = LeafInput.JsonSha256(shortJson);
        var v2Length = LeafInput.Write("6", stream, 2, "approval_given", -1, digest, ref buffer);
        Assert.Same(grown, buffer);
        var v2 = Encoding.UTF8.GetBytes($"signing/leaf/v2\n6\n{stream:D}\n2\napproval_given\n-1\n{Convert.ToHexStringLower(digest)}");
        Assert.Equal(v2, buffer.AsSpan(0, v2Length).ToArray());
        Assert.Equal(v2, LeafInput.For("6", stream, 2, "approval_given", -1, digest));
    }
}
