namespace Signing.Verification;

/// <summary>PEM helpers: everything in the engine accepts DER or PEM.</summary>
public static class Pem
{
    public static byte[] ToDer(byte[] data, string label) => Blocks(data, label).FirstOrDefault() ?? data;

    public static IReadOnlyList<byte[]> Blocks(byte[] data, string label)
    {
        if (data.Length == 0 || data[0] == 0x30)
            return [data];
        var text = System.Text.Encoding.ASCII.GetString(data);
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        var result = new List<byte[]>();
        var at = 0;
        while ((at = text.IndexOf(begin, at, StringComparison.Ordinal)) >= 0)
        {
            var stop = text.IndexOf(end, at, StringComparison.Ordinal);
            if (stop < 0)
                break;
            var body = text[(at + begin.Length)..stop];
            result.Add(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))));
            at = stop + end.Length;
        }
        return result.Count > 0 ? result : [data];
    }
}
