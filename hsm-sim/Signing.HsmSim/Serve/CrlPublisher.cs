using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;

namespace Signing.HsmSim.Serve;

/// <summary>
/// The current CRL of one CA. A CRL within half the configured validity of its nextUpdate (or past it), or one issued
/// for another validity, is followed by the next: cRLNumber + 1, the same entries, thisUpdate now. Each one is written to
/// the serve's state directory before it is served, so a file reader and an HTTP reader see the same CRL.
/// </summary>
public sealed class CrlPublisher(string name, TestCa issuer, string builtCrl, string stateDirectory, TimeSpan validity, TextWriter log)
{
    private readonly object _gate = new();
    private X509Crl? _current;
    private byte[] _der = [];

    public string Name => name;
    public string StatePath => Path.Combine(stateDirectory, name + ".crl");

    /// <summary>The DER of the CRL to serve at <paramref name="now"/>, issuing the next one first when it is due.</summary>
    public byte[] Current(DateTime now)
    {
        lock (_gate)
        {
            if (_current is null)
            {
                var path = File.Exists(StatePath) ? StatePath : builtCrl;
                _der = File.ReadAllBytes(path);
                _current = new X509CrlParser().ReadCrl(_der);
            }
            if (Due(_current, now))
                IssueNext(now);
            return _der;
        }
    }

    private bool Due(X509Crl crl, DateTime now)
    {
        if (crl.NextUpdate is not { } next)
            return true;
        return next - crl.ThisUpdate != validity || now >= next - validity / 2;
    }

    private void IssueNext(DateTime now)
    {
        var number = Number(_current!);
        // Another serve of this world may have issued meanwhile (a fixture's takes the ports over): never reuse a number.
        if (File.Exists(StatePath) && Number(new X509CrlParser().ReadCrl(File.ReadAllBytes(StatePath))) is var onDisk && onDisk.CompareTo(number) > 0)
            number = onDisk;
        var thisUpdate = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var entries = (_current!.GetRevokedCertificates() ?? new HashSet<X509CrlEntry>()).Select(e => (e.SerialNumber, e.RevocationDate)).ToList();
        var next = TestPki.Crl(issuer, thisUpdate, thisUpdate + validity, number.Add(BigInteger.One), entries);
        _der = next.GetEncoded();
        _current = next;
        Directory.CreateDirectory(stateDirectory);
        var temporary = StatePath + ".tmp";
        File.WriteAllBytes(temporary, _der);
        File.Move(temporary, StatePath, overwrite: true);
        log.WriteLine($"{DateTime.UtcNow:HH:mm:ss} crl {name} #{number.Add(BigInteger.One)} issued, nextUpdate {next.NextUpdate:u}");
    }

    private static BigInteger Number(X509Crl crl) =>
        crl.GetExtensionValue(X509Extensions.CrlNumber) is { } value
            ? CrlNumber.GetInstance(Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.FromExtensionValue(value)).PositiveValue
            : BigInteger.Zero;
}
