using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>
/// The server with TLS on the gRPC port and one pinned system-client certificate (mTLS), as configured in production
/// (Signing:Tls:*, Signing:Auth:SystemCertificates:*). Certificates are made for the run.
/// </summary>
public sealed class TlsSigningServer : SigningServer
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tls-").FullName;

    public X509Certificate2 ClientCertificate { get; } = SelfSigned("CN=hr-system");
    public X509Certificate2 StrangerCertificate { get; } = SelfSigned("CN=stranger");
    /// <summary>Pinned (as "old-hr"), but past its notAfter.</summary>
    public X509Certificate2 ExpiredCertificate { get; } = SelfSigned("CN=old-hr", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
    /// <summary>Pinned (as "future-hr"), but before its notBefore.</summary>
    public X509Certificate2 FutureCertificate { get; } = SelfSigned("CN=future-hr", DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(30));
    private readonly X509Certificate2 _serverCertificate = SelfSigned("CN=127.0.0.1");

    protected override bool Live => true;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        var pfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(pfx, _serverCertificate.Export(X509ContentType.Pfx, "test"));
        settings["Signing:Tls:CertificateFile"] = pfx;
        settings["Signing:Tls:CertificatePassword"] = "test";
        settings["Signing:Auth:SystemCertificates:hr"] = Convert.ToHexString(SHA256.HashData(ClientCertificate.RawData));
        settings["Signing:Auth:SystemCertificates:old-hr"] = Convert.ToHexString(SHA256.HashData(ExpiredCertificate.RawData));
        settings["Signing:Auth:SystemCertificates:future-hr"] = Convert.ToHexString(SHA256.HashData(FutureCertificate.RawData));
        settings["Signing:Auth:SystemClients:hr:Scopes:0"] = "applications:read";
        settings["Signing:Auth:SystemClients:hr:Tenants:0"] = "33";
        foreach (var client in new[] { "old-hr", "future-hr" })
        {
            settings[$"Signing:Auth:SystemClients:{client}:Scopes:0"] = "applications:read";
            settings[$"Signing:Auth:SystemClients:{client}:Tenants:0"] = "33";
        }
    }

    protected override GrpcChannel CreateLiveChannel() => ChannelWith(null);

    /// <summary>A TLS channel that trusts this run's server certificate and presents <paramref name="client"/>, if any.</summary>
    public GrpcChannel ChannelWith(X509Certificate2? client) =>
        GrpcChannel.ForAddress($"https://127.0.0.1:{GrpcPort}", new GrpcChannelOptions { HttpHandler = Handler(client) });

    /// <summary>An HTTP client for the REST port, trusting this run's server certificate.</summary>
    public HttpClient HttpClientWith(X509Certificate2? client) => new(Handler(client)) { Timeout = TimeSpan.FromSeconds(20) };

    private SocketsHttpHandler Handler(X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _serverCertificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (client is not null)
            handler.SslOptions.ClientCertificates = [client];
        return handler;
    }

    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5), notAfter ?? DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
