using System.Text;

namespace Signing.Record.Tests;

public class LeafInputTests
{
    [Fact]
    public void The_leaf_input_is_the_seven_lines_of_the_design_ending_in_the_jsons_sha256()
    {
        var stream = Guid.Parse("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9");
        var json = "{\"name\": \"Ayşe Yılmaz\", \"city\": \"Çiftlikköy\"}";
        // The digest is of the JSON's UTF-8, computed here with the platform's SHA-256 directly.
        var digest = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(json));
        Assert.Equal(digest, LeafInput.JsonSha256(json));
        var bytes = LeafInput.For("33", stream, 2, "approval_given", 1_710_223_200_123_456, digest);
        var expected = "signing/leaf/v2\n33\n0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\n2\napproval_given\n1710223200123456\n" + Convert.ToHexStringLower(digest);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), bytes);
        Assert.Throws<ArgumentException>(() => LeafInput.For("33", stream, 2, "approval_given", 0, digest.AsSpan(1)));
    }

    [Fact]
    public void A_v1_leaf_input_is_the_seven_lines_of_the_design_in_utf8()
    {
        var stream = Guid.Parse("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9");
        var json = "{\"name\": \"Ayşe Yılmaz\", \"city\": \"Çiftlikköy\"}";
        var bytes = LeafInput.ForV1("33", stream, 2, "approval_given", 1_710_223_200_123_456, json);
        var expected = "signing/leaf/v1\n33\n0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\n2\napproval_given\n1710223200123456\n" + json;
        Assert.Equal(Encoding.UTF8.GetBytes(expected), bytes);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), bytes.Length - expected.Length + json.Length);
        Assert.Equal((byte)'}', bytes[^1]);
    }

    [Fact]
    public void Microseconds_count_from_the_unix_epoch_in_utc()
    {
        Assert.Equal(0, LeafInput.Micros(DateTimeOffset.UnixEpoch));
        var t = new DateTimeOffset(2024, 3, 12, 12, 0, 0, TimeSpan.FromHours(3)).AddTicks(1_234_560);
        Assert.Equal(1_710_234_000_123_456, LeafInput.Micros(t));
    }
}

public class CheckpointTests
{
    private static readonly byte[] Root = Convert.FromHexString(TreeHashTests.CtRoots[8]);

    [Fact]
    public void The_body_is_origin_size_and_padded_base64_root_each_on_its_line()
    {
        var body = new Checkpoint("signing.saglik.gov.tr/log", 8, Root).Body();
        Assert.Equal("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", body);
        Assert.Equal(new Checkpoint("signing.saglik.gov.tr/log", 8, Root), Checkpoint.Parse(body));
        Assert.Equal(new Checkpoint("o", 0, MerkleHash.EmptyRoot), Checkpoint.Parse(new Checkpoint("o", 0, MerkleHash.EmptyRoot).Body()));
    }

    [Theory]
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=")]              // no final newline
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n")]          // an empty extra line
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\next\n")]       // an extension line
    [InlineData("signing.saglik.gov.tr/log\n08\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]           // leading zero
    [InlineData("signing.saglik.gov.tr/log\n+8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]           // sign
    [InlineData("signing.saglik.gov.tr/log\n-1\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("signing.saglik.gov.tr/log\n 8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("signing.saglik.gov.tr/log\n\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("signing.saglik.gov.tr/log\n٨\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]            // a non-ASCII digit
    [InlineData("signing.saglik.gov.tr/log\n9223372036854775808\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")] // overflow
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg\n")]             // unpadded
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz-Nw7_RgQyg=\n")]            // base64url
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3Zoqudgjqt L0lgz+Nw7/RgQyg=\n")]           // whitespace inside
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyh=\n")]           // nonzero trailing bits
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3Zoqudgjqt\n")]                            // short root
    [InlineData("signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg/AA==\n")]       // long root
    [InlineData("\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]                                     // empty origin
    [InlineData(" signing.saglik.gov.tr/log\n8\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]          // space at an end
    [InlineData("signing.saglik.gov.tr/log\r\n8\r\nXcnaeacGWamtVZy3Ae3ZoqudgjqtL0lgz+Nw7/RgQyg=\r\n")]     // CRLF
    [InlineData("")]
    public void Parse_refuses_anything_but_the_canonical_body(string body) => Assert.Null(Checkpoint.Parse(body));

    [Fact]
    public void Body_refuses_what_parse_would_refuse()
    {
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("two\nlines", 1, Root).Body());
        Assert.Throws<InvalidOperationException>(() => new Checkpoint("", 1, Root).Body());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint("o", -1, Root).Body());
        Assert.Throws<ArgumentException>(() => new Checkpoint("o", 1, Root[..31]).Body());
    }
}
