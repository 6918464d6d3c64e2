// BouncyCastle 2.7 marks the subtree accessors obsolete in favour of differently typed ones; the old ones are what the validator takes.
#pragma warning disable CS0618
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkix;

namespace Signing.Verification;

/// <summary>
/// permitted_subtrees / excluded_subtrees of RFC 5280 §6.1 on top of BouncyCastle's subtree arithmetic
/// (PkixNameConstraintValidator), plus what it lacks: malformed iPAddress constraints are rejected, e-mail
/// addresses in the subject DN are checked as rfc822Names (§4.2.1.10), and a wildcard dNSName is rejected
/// when any name it can stand for is excluded (x509-limbo cve-2025-61727).
/// </summary>
internal sealed class NameConstraintState
{
    private readonly PkixNameConstraintValidator validator = new();
    private readonly List<string> excludedDns = [];

    /// <summary>True until the first <see cref="Add"/>: a fresh state is then equivalent to this one.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>§6.1.4 (g). Returns an error when the extension is malformed.</summary>
    public string? Add(NameConstraints nc)
    {
        IsEmpty = false;
        foreach (var subtree in Subtrees(nc.PermittedSubtrees).Concat(Subtrees(nc.ExcludedSubtrees)))
        {
            if (subtree.Base.TagNo == GeneralName.IPAddress)
            {
                var len = Asn1OctetString.GetInstance(subtree.Base.Name).GetOctets().Length;
                if (len != 8 && len != 32)
                    return $"malformed iPAddress name constraint ({len} octets)";
                var octets = Asn1OctetString.GetInstance(subtree.Base.Name).GetOctets();
                if (!IsContiguousMask(octets.AsSpan(len / 2)))
                    return "iPAddress name constraint with a non-contiguous mask";
            }
            if (subtree.Minimum is not null && subtree.Minimum.IntValueExact != 0 || subtree.Maximum is not null)
                return "name constraint with minimum/maximum (must be absent, RFC 5280 §4.2.1.10)";
        }
        try
        {
            if (nc.PermittedSubtrees is not null)
                validator.IntersectPermittedSubtree(nc.PermittedSubtrees);
            if (nc.ExcludedSubtrees is not null)
            {
                foreach (var s in Subtrees(nc.ExcludedSubtrees))
                {
                    validator.AddExcludedSubtree(s);
                    if (s.Base.TagNo == GeneralName.DnsName)
                        excludedDns.Add(DerIA5String.GetInstance(s.Base.Name).GetString().ToLowerInvariant().TrimStart('.'));
                }
            }
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "unusable name constraints: " + e.Message;
        }
    }

    /// <summary>§6.1.3 (b)/(c) for one certificate. Returns the violation, or null.</summary>
    public string? Check(ParsedCertificate cert)
    {
        try
        {
            if (cert.Subject.GetOidList().Count > 0)
            {
                validator.CheckPermittedDN(Asn1Sequence.GetInstance(cert.Subject.ToAsn1Object()));
                validator.CheckExcludedDN(Asn1Sequence.GetInstance(cert.Subject.ToAsn1Object()));
            }
            var names = cert.SubjectAltNames?.GetNames() ?? [];
            if (!names.Any(n => n.TagNo == GeneralName.Rfc822Name))
            {
                foreach (var email in cert.Subject.GetValueList(X509Name.EmailAddress))
                {
                    var g = new GeneralName(GeneralName.Rfc822Name, email);
                    validator.CheckPermittedName(g);
                    validator.CheckExcludedName(g);
                }
            }
            foreach (var name in names)
            {
                validator.CheckPermittedName(name);
                validator.CheckExcludedName(name);
                if (name.TagNo == GeneralName.DnsName)
                {
                    var dns = DerIA5String.GetInstance(name.Name).GetString().ToLowerInvariant();
                    if (dns.StartsWith("*.") && WildcardMayHitExcluded(dns[2..]))
                        return $"wildcard dNSName {dns} can match an excluded subtree";
                }
            }
            return null;
        }
        catch (PkixNameConstraintValidatorException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "name constraints could not be evaluated: " + e.Message;
        }
    }

    private static IEnumerable<GeneralSubtree> Subtrees(Asn1Sequence? seq) =>
        seq is null ? [] : seq.Cast<Asn1Encodable>().Select(GeneralSubtree.GetInstance);

    private bool WildcardMayHitExcluded(string baseDomain)
    {
        foreach (var excluded in excludedDns)
        {
            // "*.example.com" stands for "x.example.com": excluded "bar.example.com" is one such x.
            if (excluded.EndsWith("." + baseDomain, StringComparison.Ordinal) && !excluded[..^(baseDomain.Length + 1)].Contains('.'))
                return true;
        }
        return false;
    }

    private static bool IsContiguousMask(ReadOnlySpan<byte> mask)
    {
        var seenZero = false;
        foreach (var b in mask)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (b >> bit & 1) == 1;
                if (one && seenZero)
                    return false;
                if (!one)
                    seenZero = true;
            }
        }
        return true;
    }
}
