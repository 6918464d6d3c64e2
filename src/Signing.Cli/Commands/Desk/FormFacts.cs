using Org.BouncyCastle.Asn1.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Cli.Commands.Desk;

/// <summary>What the form takes from the certificate: the holder's TCKN (subject serialNumber) and name.</summary>
internal static class FormFacts
{
    public static string? Tckn(X509Certificate certificate) =>
        certificate.SubjectDN.GetValueList(X509Name.SerialNumber).Select(Signing.Domain.Tckn.FromSubjectSerialNumber)
            .FirstOrDefault(t => t is not null);

    /// <summary>GIVENNAME/SURNAME when the CA wrote them; else the CN split at its last word (Turkish names: the surname is last).</summary>
    public static (string GivenNames, string Surname) Names(X509Certificate certificate)
    {
        var subject = certificate.SubjectDN;
        var given = string.Join(" ", subject.GetValueList(X509Name.GivenName));
        var surname = string.Join(" ", subject.GetValueList(X509Name.Surname));
        if (given.Length > 0 && surname.Length > 0)
            return (given, surname);
        var cn = subject.GetValueList(X509Name.CN).FirstOrDefault()?.Trim() ?? "";
        var cut = cn.LastIndexOf(' ');
        return cut > 0 ? (cn[..cut].Trim(), cn[(cut + 1)..]) : ("", cn);
    }
}
