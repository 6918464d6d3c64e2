using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.X509;

namespace Signing.Tokens;

/// <summary>Object searches on an open session (callers hold the session's lock).</summary>
internal static class TokenObjects
{
    public static List<TokenCertificate> ListCertificates(ISession session, bool loggedIn)
    {
        var f = session.Factories.ObjectAttributeFactory;
        var certificates = session.FindAllObjects(
        [
            f.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
            f.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
        ]);
        var publicIds = Ids(session, CKO.CKO_PUBLIC_KEY);
        var privateIds = Ids(session, CKO.CKO_PRIVATE_KEY);
        var parser = new X509CertificateParser();
        var result = new List<TokenCertificate>();
        foreach (var handle in certificates)
        {
            var attributes = session.GetAttributeValue(handle, [CKA.CKA_ID, CKA.CKA_LABEL, CKA.CKA_VALUE]);
            if (attributes[2].CannotBeRead)
                continue;
            var id = attributes[0].CannotBeRead ? [] : attributes[0].GetValueAsByteArray() ?? [];
            var label = attributes[1].CannotBeRead ? "" : attributes[1].GetValueAsString() ?? "";
            var certificate = parser.ReadCertificate(attributes[2].GetValueAsByteArray());
            var hex = Convert.ToHexString(id);
            // Without a login, private keys are hidden: absence proves nothing, so say "unknown".
            bool? hasPrivate = privateIds.Contains(hex) ? true : loggedIn ? false : null;
            result.Add(new TokenCertificate(label, id, certificate, publicIds.Contains(hex), hasPrivate));
        }
        return result.OrderBy(c => c.Label, StringComparer.Ordinal).ThenBy(c => c.IdHex, StringComparer.Ordinal).ToList();
    }

    public static IObjectHandle? FindPrivateKey(ISession session, byte[] id)
    {
        var f = session.Factories.ObjectAttributeFactory;
        var keys = session.FindAllObjects([f.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), f.Create(CKA.CKA_ID, id)]);
        return keys.Count > 0 ? keys[0] : null;
    }

    private static HashSet<string> Ids(ISession session, CKO objectClass)
    {
        var f = session.Factories.ObjectAttributeFactory;
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in session.FindAllObjects([f.Create(CKA.CKA_CLASS, objectClass)]))
        {
            var attribute = session.GetAttributeValue(handle, [CKA.CKA_ID])[0];
            if (!attribute.CannotBeRead)
                set.Add(Convert.ToHexString(attribute.GetValueAsByteArray() ?? []));
        }
        return set;
    }
}
