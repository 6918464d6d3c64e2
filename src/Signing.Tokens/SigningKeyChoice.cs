namespace Signing.Tokens;

/// <summary>Which certificate of a token to sign with (see <see cref="TokenSession.GetSigningKey"/>): pure, over the login's listing.</summary>
internal static class SigningKeyChoice
{
    public static TokenCertificate Choose(string label, IReadOnlyList<TokenCertificate> certificates, string? certificateLabel, string? idHex,
        DateTime now)
    {
        IEnumerable<TokenCertificate> candidates = certificates;
        var explicitChoice = certificateLabel is not null || idHex is not null;
        if (certificateLabel is not null)
            candidates = candidates.Where(c => c.Label == certificateLabel);
        if (idHex is not null)
            candidates = candidates.Where(c => string.Equals(c.IdHex, idHex, StringComparison.OrdinalIgnoreCase));
        var list = candidates.ToList();
        if (list.Count == 0)
            throw new NoCertificateException(explicitChoice
                ? $"token '{label}' has no certificate with{(certificateLabel is null ? "" : $" label '{certificateLabel}'")}{(idHex is null ? "" : $" id {idHex}")}"
                : $"token '{label}' holds no certificate");

        if (!explicitChoice)
        {
            var withKey = list.Where(c => c.HasPrivateKey == true).ToList();
            if (withKey.Count == 0)
                throw new NoPrivateKeyException(label, list[0].IdHex);
            var signing = withKey.Where(c => c.NonRepudiation).ToList();
            if (signing.Count == 0)
                throw new NoCertificateException(
                    $"token '{label}' has no signing certificate (none has keyUsage nonRepudiation); choose one explicitly to sign anyway");
            // Several qualified certificates (an old one kept after renewal): the one valid now that lasts longest.
            list = signing
                .OrderByDescending(c => c.Certificate.NotBefore <= now && now <= c.Certificate.NotAfter)
                .ThenByDescending(c => c.Certificate.NotAfter)
                .Take(1).ToList();
        }
        else if (list.Count > 1)
        {
            throw new NoCertificateException($"{list.Count} certificates on token '{label}' match; give both label and id");
        }

        var chosen = list[0];
        if (chosen.HasPrivateKey != true)
            throw new NoPrivateKeyException(label, chosen.IdHex);
        return chosen;
    }
}
