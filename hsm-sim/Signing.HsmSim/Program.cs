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
var moduleOption = new Option<string>("--module")
{
    Description = "The SoftHSM2 PKCS#11 module.",
    DefaultValueFactory = _ => WorldBuilder.DefaultModule,
};

var root = new RootCommand(
    "hsm-sim: builds the simulated smart-card world — a test PKI modelled on Kamu SM and one SoftHSM2 token per persona.")
{
    outOption, personasOption, clockOption, freshOption, moduleOption,
};
root.SetAction(parse =>
{
    var options = new WorldOptions(
        parse.GetValue(outOption)!.FullName,
        parse.GetValue(personasOption)!.FullName,
        parse.GetValue(clockOption),
        parse.GetValue(freshOption),
        parse.GetValue(moduleOption)!);
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

return root.Parse(args).Invoke();
