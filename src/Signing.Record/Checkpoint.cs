using System.Buffers.Text;
using System.Globalization;

namespace Signing.Record;

/// <summary>
/// A log checkpoint: the C2SP tlog-checkpoint note body, <c>origin\nsize\nbase64(root)\n</c>, exactly the bytes that get
/// signed. <see cref="Parse"/> accepts only what <see cref="Body"/> writes, so one checkpoint has one byte form.
/// </summary>
public sealed record Checkpoint(string Origin, long TreeSize, byte[] RootHash)
{
    public string Body()
    {
        if (!IsOrigin(Origin))
            throw new InvalidOperationException("A checkpoint origin is one non-empty line without spaces at its ends.");
        ArgumentOutOfRangeException.ThrowIfNegative(TreeSize);
        MerkleHash.RequireHash(RootHash, nameof(RootHash));
        return $"{Origin}\n{TreeSize.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(RootHash)}\n";
    }

    /// <summary>The checkpoint a body holds, or null when it is not exactly three well-formed lines.</summary>
    public static Checkpoint? Parse(string body)
    {
        if (body is null || !body.EndsWith('\n'))
            return null;
        var lines = body[..^1].Split('\n');
        if (lines.Length != 3 || !IsOrigin(lines[0]))
            return null;
        var size = ParseSize(lines[1]);
        var root = ParseRoot(lines[2]);
        return size is null || root is null ? null : new Checkpoint(lines[0], size.Value, root);
    }

    /// <summary>Two checkpoints are the same when origin, size and root bytes are.</summary>
    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && TreeSize == other.TreeSize && RootHash.AsSpan().SequenceEqual(other.RootHash);

    public override int GetHashCode() => HashCode.Combine(Origin, TreeSize, RootHash.Length > 0 ? RootHash[0] : 0);

    private static bool IsOrigin(string? origin) =>
        !string.IsNullOrEmpty(origin) && origin.Trim() == origin && !origin.Any(char.IsControl);

    // Canonical decimal only: no sign, no leading zeros, no spaces, within a signed 64-bit count.
    private static long? ParseSize(string text)
    {
        if (text.Length == 0 || text.Length > 19 || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit))
            return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;
    }

    // Standard padded base64 of exactly 32 bytes, in its one canonical spelling (Convert would skip whitespace and
    // accept nonzero trailing bits).
    private static byte[]? ParseRoot(string text)
    {
        if (text.Length != 44 || !Base64.IsValid(text.AsSpan(), out var decodedLength) || decodedLength != MerkleHash.Size
            || text.Any(char.IsWhiteSpace))
            return null;
        var root = Convert.FromBase64String(text);
        return Convert.ToBase64String(root) == text ? root : null;
    }
}
