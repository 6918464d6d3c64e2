using System.CommandLine;
using Signing.HsmSim;

var outOption = new Option<DirectoryInfo>("--out")
{
    Description = "Where the world is built (softhsm2.conf, tokens/, pki/, certs/, manifest.json, and trust.json and server.json for the server).",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".local", "hsm")),
};
var personasOption = new Option<FileInfo>("--personas")
{
    Description = "The persona file the world is built from.",
    DefaultValueFactory = _ => new FileInfo(Path.Combine("hsm-sim", "personas.json")),
};
var clockOption = new Option<DateTimeOffset?>("--clock")
{
    Description = "A fixed clock (ISO 8601) for every relative date; default: now.",
};
var freshOption = new Option<bool>("--fresh") { Description = "Rebuild the world even if a usable one exists." };
var pkiHostOption = new Option<string>("--pki-host")
{
    Description = "The host the world's HTTP services (CRL, OCSP, TSA) are named with in the certificates.",
    DefaultValueFactory = _ => WorldBuilder.DefaultPkiHost,
};
var pkiPortOption = new Option<int?>("--pki-port")
{
    Description = "Their port; default: a free loopback port picked when the world is built (a world built for another port is rebuilt).",
};
var opensslPortOption = new Option<int?>("--openssl-ocsp-port")
{
    Description = "The port of OpenSSL's own OCSP responder; default: a free loopback port picked when the world is built.",
};
var moduleOption = new Option<string>("--module")
{
    Description = "The SoftHSM2 PKCS#11 module.",
    DefaultValueFactory = _ => WorldBuilder.DefaultModule,
};

var root = new RootCommand(
    "hsm-sim: builds the simulated smart-card world — a test PKI modelled on Kamu SM and one SoftHSM2 token per persona.")
{
    outOption, personasOption, clockOption, freshOption, moduleOption, pkiHostOption, pkiPortOption, opensslPortOption,
};
root.SetAction(parse =>
{
    var options = new WorldOptions(
        parse.GetValue(outOption)!.FullName,
        parse.GetValue(personasOption)!.FullName,
        parse.GetValue(clockOption),
        parse.GetValue(freshOption),
        parse.GetValue(moduleOption)!,
        parse.GetValue(pkiHostOption)!,
        parse.GetValue(pkiPortOption),
        parse.GetValue(opensslPortOption));
    try
    {
        return new WorldBuilder(options, Console.Out).Run();
    }
    catch (WorldException e)
    {
        Console.Error.WriteLine("hsm-sim: " + e.Message);
        return 2;
    }
});
// `hsm-sim eonay issue`: an e-Onay confirmation signed by the world's e-Onay issuer (tests and demos).
var manifestOption = new Option<FileInfo>("--manifest")
{
    Description = "The world's manifest.",
    DefaultValueFactory = _ => new FileInfo(Path.Combine(".local", "hsm", "manifest.json")),
};
var tcknOption = new Option<string>("--tckn") { Description = "The confirming person's TCKN.", Required = true };
var applicationOption = new Option<string?>("--application") { Description = "The application id confirmed." };
var formOption = new Option<string?>("--form-sha256") { Description = "SHA-256 (hex) of the confirmed application form." };
var confirmedAtOption = new Option<DateTimeOffset?>("--confirmed-at") { Description = "Confirmation time (ISO 8601); default: now." };
var nonceOption = new Option<string?>("--nonce") { Description = "A unique value; default: random." };
var outputOption = new Option<FileInfo>("--output", "-o") { Description = "Where to write the CMS (DER).", Required = true };
var issue = new Command("issue", "Issue an e-Onay confirmation (CAdES-BES, attached JSON) signed by the e-Onay issuer key.")
{
    manifestOption, tcknOption, applicationOption, formOption, confirmedAtOption, nonceOption, outputOption,
};
issue.SetAction(parse =>
{
    var application = parse.GetValue(applicationOption);
    var form = parse.GetValue(formOption);
    if (application is null && form is null)
    {
        Console.Error.WriteLine("hsm-sim: give --application or --form-sha256 (what is being confirmed)");
        return 2;
    }
    try
    {
        var manifest = WorldManifest.Load(parse.GetValue(manifestOption)!.FullName);
        var cms = EOnayIssuer.Issue(manifest, parse.GetValue(tcknOption)!, application, form,
            parse.GetValue(confirmedAtOption) ?? DateTimeOffset.UtcNow, parse.GetValue(nonceOption));
        File.WriteAllBytes(parse.GetValue(outputOption)!.FullName, cms);
        Console.WriteLine($"hsm-sim: e-Onay confirmation written to {parse.GetValue(outputOption)!.FullName} ({cms.Length} bytes)");
        return 0;
    }
    catch (Exception e) when (e is IOException or WorldException or System.Text.Json.JsonException)
    {
        Console.Error.WriteLine("hsm-sim: " + e.Message);
        return 2;
    }
});
root.Subcommands.Add(new Command("eonay", "e-Onay confirmations of the simulated world.") { issue });

// `hsm-sim serve`: the world's CRLs, OCSP responder and TSA over HTTP, and OpenSSL's responder beside them.
var worldOption = new Option<DirectoryInfo>("--world")
{
    Description = "The world served (its manifest.json).",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".local", "hsm")),
};
var hostOption = new Option<string?>("--host") { Description = "Address to listen on; default: the manifest's host." };
var portOption = new Option<int?>("--port") { Description = "Port for CRL, OCSP and TSA; default: the manifest's (the one the certificates name)." };
var opensslServePortOption = new Option<int?>("--openssl-port") { Description = "Port of OpenSSL's responder; default: the manifest's." };
var stateOption = new Option<DirectoryInfo?>("--state-dir")
{
    Description = "Where the CRLs this serve issues, its pid and ready files go; default: the world's serve/ directory.",
};
var noOcspOption = new Option<bool>("--no-ocsp") { Description = "Answer /ocsp with 503." };
var noCrlOption = new Option<bool>("--no-crl") { Description = "Answer /crl/* with 503." };
var noTsaOption = new Option<bool>("--no-tsa") { Description = "Answer /tsa with 503." };
var noOpensslOption = new Option<bool>("--no-openssl-ocsp") { Description = "Do not start OpenSSL's responder." };
var crlValidityOption = new Option<TimeSpan>("--crl-validity")
{
    Description = "nextUpdate - thisUpdate of the CRLs this serve issues; the next one is issued at half of it.",
    DefaultValueFactory = _ => TimeSpan.FromDays(7),
};
var ocspValidityOption = new Option<TimeSpan>("--ocsp-validity")
{
    Description = "nextUpdate - thisUpdate of OCSP answers.",
    DefaultValueFactory = _ => TimeSpan.FromHours(1),
};
var serve = new Command("serve", "Serve the world's CRLs (GET /crl/<ca>.crl), OCSP (/ocsp) and RFC 3161 TSA (/tsa) until SIGTERM.")
{
    worldOption, hostOption, portOption, opensslServePortOption, stateOption, noOcspOption, noCrlOption, noTsaOption, noOpensslOption,
    crlValidityOption, ocspValidityOption,
};
serve.SetAction(parse =>
{
    var crlValidity = parse.GetValue(crlValidityOption);
    var ocspValidity = parse.GetValue(ocspValidityOption);
    if (crlValidity <= TimeSpan.Zero || ocspValidity <= TimeSpan.Zero)
    {
        Console.Error.WriteLine("hsm-sim: validities must be positive");
        return 2;
    }
    try
    {
        return Signing.HsmSim.Serve.PkiServe.Run(new Signing.HsmSim.Serve.ServeOptions
        {
            World = parse.GetValue(worldOption)!.FullName,
            Host = parse.GetValue(hostOption),
            Port = parse.GetValue(portOption),
            OpensslPort = parse.GetValue(opensslServePortOption),
            StateDirectory = parse.GetValue(stateOption)?.FullName,
            Ocsp = !parse.GetValue(noOcspOption),
            Crl = !parse.GetValue(noCrlOption),
            Tsa = !parse.GetValue(noTsaOption),
            OpensslOcsp = !parse.GetValue(noOpensslOption),
            CrlValidity = crlValidity,
            OcspValidity = ocspValidity,
        });
    }
    catch (Exception e) when (e is WorldException or IOException or System.Text.Json.JsonException)
    {
        Console.Error.WriteLine("hsm-sim: " + e.Message);
        return 2;
    }
});
root.Subcommands.Add(serve);

return root.Parse(args).Invoke();
