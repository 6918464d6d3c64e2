namespace Signing.Domain;

/// <summary>
/// A short, typeable code for an application (printed on the wet form, read out on the phone): 50 bits of the
/// stream id in Crockford base32 (no I, L, O, U), as XXXXX-XXXXX. Derived, so it never needs storing to be found again.
/// </summary>
public static class ApplicationCode
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string From(Guid id)
    {
        var bytes = id.ToByteArray();
        ulong bits = 0;
        for (var i = 0; i < 7; i++)
            bits = (bits << 8) | bytes[i];
        bits >>= 6; // 56 → 50 bits
        var chars = new char[10];
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(bits & 31)];
            bits >>= 5;
        }
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }
}
