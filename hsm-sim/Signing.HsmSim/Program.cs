using System.CommandLine;
using Signing.HsmSim;

var outOption = new Option<DirectoryInfo>("--out")
{
    Description = "Where the world is built (softhsm2.conf, tokens/, pki/, certs/, manifest.json).",
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
return root.Parse(args).Invoke();
