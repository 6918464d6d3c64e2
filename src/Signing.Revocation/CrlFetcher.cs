using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Signing.Verification;

namespace Signing.Revocation;

/// <summary>
/// Gets CRLs: downloaded from http(s) distribution points, or read from files for installations without network.
/// Parsing judges nothing but the structure; the engine judges signer, scope and freshness.
/// </summary>
public sealed class CrlFetcher(HttpClient http, RevocationFetchOptions options)
{
    private static readonly string[] AnyType = [];
    private static readonly string[] FileExtensions = [".crl", ".der", ".pem"];

    /// <summary>The http(s) URLs among a certificate's CRL distribution points (fullName URIs; LDAP and others skipped).</summary>
    public static IReadOnlyList<string> DistributionPointUrls(ParsedCertificate certificate)
    {
        var points = certificate.CrlDistributionPoints?.GetDistributionPoints();
        if (points is null)
            return [];
        var urls = new List<string>();
        foreach (var point in points)
        {
            if (point.DistributionPointName is not { Type: DistributionPointName.FullName } name)
                continue;
            foreach (var general in GeneralNames.GetInstance(name.Name).GetNames())
            {
                if (general.TagNo == GeneralName.UniformResourceIdentifier
                    && DerIA5String.GetInstance(general.Name).GetString() is var url && RevocationFetchOptions.IsHttpUrl(url))
                    urls.Add(url);
            }
        }
        return urls.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Downloads and parses one CRL, or throws <see cref="FetchException"/>.</summary>
    public async Task<ParsedCrl> DownloadAsync(string url, CancellationToken ct, TimeSpan? timeout = null)
    {
        var body = await HttpFetch.SendAsync(http, url, null, null, AnyType, options.MaxCrlBytes, timeout ?? options.HttpTimeout, ct);
        try
        {
            return ParsedCrl.From(body);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidCastException)
        {
            throw new FetchException(FetchFailure.Malformed, url, "the body is not a CRL: " + e.Message, e);
        }
    }

    /// <summary>
    /// The CRL files named by <paramref name="paths"/> (a file, or a directory whose *.crl, *.der and *.pem are read),
    /// each with its path; a file that does not parse is reported, not thrown, so one bad file does not hide the rest.
    /// </summary>
    public static IReadOnlyList<(string Path, ParsedCrl? Crl, string? Error)> LoadFiles(IEnumerable<string> paths)
    {
        var result = new List<(string, ParsedCrl?, string?)>();
        foreach (var path in paths)
        {
            IEnumerable<string> files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path).Where(f => FileExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
                : [path];
            foreach (var file in files)
            {
                try
                {
                    result.Add((file, ParsedCrl.FromFile(file), null));
                }
                catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidCastException or UnauthorizedAccessException)
                {
                    result.Add((file, (ParsedCrl?)null, e.Message));
                }
            }
        }
        return result;
    }
}
