using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Signing.HsmSim;

namespace Signing.Demo;

/// <summary>Where the demo plays: the server, the `esign` binary, the hsm-sim world, a scratch directory, the courier's key.</summary>
public sealed record DemoOptions(string Server, string EsignDll, string ManifestPath, string WorkDirectory, string CourierKey)
{
    /// <summary>Language of esign's human output (the final queue table).</summary>
    public string Lang { get; init; } = "tr";
}

/// <summary>An application the demo created: id (GUID) and the short code.</summary>
public sealed record DemoApplication(string Id, string Code);

/// <summary>What happened: every application by its role in the story, the printed queue, final counts, failures.</summary>
public sealed class DemoResult
{
    public Dictionary<string, DemoApplication> Applications { get; } = new();
    public Dictionary<string, string> FinalStatus { get; } = new();
    public SortedDictionary<string, int> CountsByStatus { get; } = new(StringComparer.Ordinal);
    public string QueueOutput { get; set; } = "";
    /// <summary>The expiring list as `esign expiring` printed it for the officer.</summary>
    public string ExpiringOutput { get; set; } = "";
    /// <summary>The expiring list as `esign expiring --json` gave it: days left by masked TCKN.</summary>
    public Dictionary<string, int> ExpiringDaysLeft { get; } = new();
    /// <summary>When the expiring list was read (between these two instants), for checking the days left.</summary>
    public (DateTimeOffset From, DateTimeOffset To) ExpiringReadAt { get; set; }
    public List<string> Failures { get; } = new();
    public int Steps { get; set; }
    public TimeSpan Elapsed { get; set; }
    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// The scripted day at the Mersin directorate, played through `esign` child processes — one per step, each persona with
/// its own card (token), PIN (passed by environment, never on a command line) and profile directory.
/// </summary>
public sealed class DemoRunner(DemoOptions options, TextWriter output)
{
    public const string PinVariable = "ESIGN_PIN";
    public const string ApiKeyVariable = "ESIGN_COURIER_KEY";

    private readonly WorldManifest _world = WorldManifest.Load(options.ManifestPath);
    private readonly DemoResult _result = new();
    private EsignRunner _esign = null!;

    /// <summary>A step ended in a way the story does not allow: the demo stops there.</summary>
    private sealed class StepFailed(string message) : Exception(message);

    public async Task<DemoResult> RunAsync(CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.WorkDirectory);
        _esign = new EsignRunner(options.EsignDll, new Dictionary<string, string>
        {
            ["ESIGN_SERVER"] = options.Server,
            ["ESIGN_LANG"] = options.Lang,
            ["SOFTHSM2_CONF"] = _world.SoftHsm2Conf,
            ["SIGNING_PKCS11_MODULE"] = _world.Pkcs11Module,
            // Plain text for the transcript: no colours, no terminal width games.
            ["NO_COLOR"] = "1",
        });
        output.WriteLine($"Signing demo — server {options.Server}, world clock {_world.Clock:yyyy-MM-dd}, work dir {options.WorkDirectory}");
        try
        {
            await PlayAsync(cancel);
        }
        catch (StepFailed e)
        {
            _result.Failures.Add(e.Message);
            output.WriteLine($"DEMO FAILED: {e.Message}");
        }
        _result.Elapsed = clock.Elapsed;
        output.WriteLine(_result.Ok
            ? $"Demo finished: {_result.Steps} esign steps in {_result.Elapsed.TotalSeconds:0.0} s."
            : $"Demo stopped after {_result.Steps} steps ({_result.Elapsed.TotalSeconds:0.0} s).");
        return _result;
    }

    private async Task PlayAsync(CancellationToken cancel)
    {
        var contact = new Dictionary<string, string[]>
        {
            ["doctor"] = ["--email", "ayse.yilmaz@saglik.example", "--phone", "+90 324 555 01 01", "--address", "Mersin Şehir Hastanesi, Toroslar/Mersin", "--institution", "Mersin Şehir Hastanesi"],
            ["fp-expiring"] = ["--email", "gulsen.celik@saglik.example", "--phone", "+90 324 555 01 02", "--address", "Çarşı ASM, Tarsus/Mersin", "--institution", "Tarsus Çarşı Aile Sağlığı Merkezi"],
            ["fp-expired"] = ["--email", "ismail.sahin@saglik.example", "--phone", "+90 324 555 01 03", "--address", "Merkez ASM, Silifke/Mersin", "--institution", "Silifke Merkez Aile Sağlığı Merkezi"],
            ["individual"] = ["--email", "omer.gunes@saglik.example", "--phone", "+90 324 555 01 04", "--address", "Yenişehir/Mersin"],
            ["manager"] = ["--email", "mehmet.ozturk@saglik.example", "--phone", "+90 324 555 01 05", "--address", "İl Sağlık Müdürlüğü, Yenişehir/Mersin", "--institution", "Mersin İl Sağlık Müdürlüğü"],
        };

        // --- Applicants -------------------------------------------------------------------------------------------
        Section("Başvuranlar (applicants)");
        await Login("doctor", cancel);
        var doctorReceipt = Path.Combine(options.WorkDirectory, "alindi-doctor.json");
        var doctor = await Apply("doctor", "doctor", "esign", [.. contact["doctor"], "--receipt-out", doctorReceipt], "AWAITING_APPROVAL", cancel);
        await CheckReceipt("doctor", doctorReceipt, cancel);

        await Login("fp-expiring", cancel);
        var fp = await Apply("fp", "fp-expiring", "esign", contact["fp-expiring"], "AWAITING_APPROVAL", cancel, mustLack: "RECEIPT");
        var fpPersona = _world.Persona("fp-expiring");
        var receiptFile = Path.Combine(options.WorkDirectory, "dekont-gulsen-celik.pdf");
        await File.WriteAllTextAsync(receiptFile, "%PDF-1.4\n% Halk Bankası dekont (demo): GÜLŞEN ÇELİK\n", cancel);
        var paidOn = _world.Clock.UtcDateTime.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Step(fpPersona.Id, "attaches the bank receipt (780,00 TL)",
            ["receipt", "attach", fp.Id, receiptFile, "--amount", "780.00", "--iban", "TR41 0001 2009 5940 0005 0000 47",
             "--description", $"{fpPersona.Name.ToUpper(CultureInfo.GetCultureInfo("tr-TR"))} {fpPersona.Tckn} NES 3 YILLIK BAŞVURUSU", "--date", paidOn, "--json"],
            json =>
            {
                var lacks = Lacks(json);
                return lacks.Contains("RECEIPT") ? "the receipt is still missing" : null;
            }, cancel);

        await Login("fp-expired", cancel);
        var pdf = Path.Combine(options.WorkDirectory, "basvuru-fp-expired.pdf");
        var wet = await Apply("wet", "fp-expired", "wet", [.. contact["fp-expired"], "--out", pdf], "AWAITING_PAPER", cancel);
        if (!File.Exists(pdf) || !File.ReadAllBytes(pdf).AsSpan().StartsWith("%PDF"u8))
            throw new StepFailed($"the printable form was not saved as a PDF: {pdf}");
        output.WriteLine($"      printable form: {pdf} ({new FileInfo(pdf).Length} bytes)");

        await Login("individual", cancel);
        var individual = await Apply("individual", "individual", "esign", contact["individual"], null, cancel);
        if (_result.FinalStatus["individual"] is "AWAITING_APPROVAL" or "AWAITING_PAPER")
            throw new StepFailed($"the individual application should go to Kamu SM, not the directorate ({_result.FinalStatus["individual"]})");

        await Login("manager", cancel);
        var manager = await Apply("manager", "manager", "esign", contact["manager"], "AWAITING_APPROVAL", cancel);

        // --- Officers ---------------------------------------------------------------------------------------------
        Section("İl Sağlık Müdürlüğü e-imza yetkilileri (officers, four-eyes: 2 approvals)");
        await Login("officer-mersin-1", cancel, mustHaveRole: "officer");
        await Step("officer-mersin-1", $"registers the 2 wet-signed copies by the code on the paper ({wet.Code})",
            ["paper", "register", wet.Code, "--copies", "2", "--json"], json => ExpectStatus(json, "AWAITING_APPROVAL", "wet"), cancel);
        var expired = _world.Persona("fp-expired");
        var wetReceipt = Path.Combine(options.WorkDirectory, "dekont-ismail-sahin.pdf");
        await File.WriteAllTextAsync(wetReceipt, "%PDF-1.4\n% Halk Bankası dekont (demo): İSMAİL ŞAHİN\n", cancel);
        await Step("officer-mersin-1", "attaches the receipt handed in with the paper form",
            ["receipt", "attach", wet.Code, wetReceipt, "--amount", "780,00", "--iban", "TR410001200959400005000047",
             "--description", $"{expired.Name.ToUpper(CultureInfo.GetCultureInfo("tr-TR"))} {expired.Tckn} NES 3 YILLIK BAŞVURUSU", "--date", paidOn, "--json"],
            json => Lacks(json).Count == 0 ? null : $"it still lacks {string.Join(",", Lacks(json))}", cancel);
        await Step("officer-mersin-1", "approves the doctor's application (1st of 2)",
            ["approve", doctor.Id, "--pin-env", PinVariable, "--json"], json => ExpectStatus(json?["application"], "AWAITING_APPROVAL", "doctor", mustLack: "SECOND_APPROVAL"), cancel);
        await Step("officer-mersin-1", "tries to give the doctor's second approval herself (four-eyes rule refuses)",
            ["approve", doctor.Id, "--pin-env", PinVariable, "--json"], json => json?["error"]?.GetValue<string>() is { Length: > 0 } ? null : "no refusal reason", cancel,
            expectExit: 7);
        await Login("officer-mersin-2", cancel, mustHaveRole: "officer");
        await Step("officer-mersin-2", "approves the doctor's application (2nd of 2)",
            ["approve", doctor.Id, "--pin-env", PinVariable, "--json"], json => ExpectStatus(json?["application"], "APPROVED", "doctor"), cancel);
        await Step("officer-mersin-1", "approves the family physician's application (1st of 2)",
            ["approve", fp.Id, "--pin-env", PinVariable, "--json"], json => ExpectStatus(json?["application"], "AWAITING_APPROVAL", "fp", mustLack: "SECOND_APPROVAL"), cancel);
        await Step("officer-mersin-2", "rejects the manager's application",
            ["reject", manager.Id, "--reason", "Kurum onay yazısı eksik", "--pin-env", PinVariable, "--json"],
            json => ExpectStatus(json?["application"], "REJECTED", "manager"), cancel);

        // --- Courier ----------------------------------------------------------------------------------------------
        Section("Kamu SM and the courier (system client, API key from the environment)");
        string[] Courier(params string[] a) => ["delivery", "record", doctor.Id, .. a, "--api-key-env", ApiKeyVariable, "--json"];
        await Step("courier", "sends the approved application to Kamu SM", Courier("--event", "sent-to-kamu-sm"), json => ExpectStatus(json, null, "doctor"), cancel);
        await Step("courier", "Kamu SM produced the token", Courier("--event", "produced"), json => ExpectStatus(json, "PRODUCED", "doctor"), cancel);
        await Step("courier", "dispatches the envelope", Courier("--event", "dispatched", "--tracking", "YK-3300012345"), json => ExpectStatus(json, "DISPATCHED", "doctor"), cancel);
        await Step("courier", "returns it: nobody at the address", Courier("--event", "returned", "--detail", "Adreste kimse bulunamadı"), json => ExpectStatus(json, null, "doctor"), cancel);
        await Step("courier", "the applicant called 444 5 576 and confirmed the address",
            Courier("--event", "address-confirmed", "--detail", "Başvuru sahibi Kamu SM çağrı merkezini aradı"), json => ExpectStatus(json, "ADDRESS_CONFIRMED", "doctor"), cancel);
        await Step("courier", "dispatches it again", Courier("--event", "dispatched", "--tracking", "YK-3300012399"), json => ExpectStatus(json, "DISPATCHED", "doctor"), cancel);
        await Step("courier", "delivers it to the person", Courier("--event", "delivered"), json => ExpectStatus(json, "DELIVERED", "doctor"), cancel);

        // --- The end of the day -----------------------------------------------------------------------------------
        Section("Günün sonu (end of the day)");
        var queue = await Run("officer-mersin-1", "looks at the queue", ["queue"], cancel);
        if (queue.ExitCode != 0)
            throw new StepFailed($"esign queue failed (exit {queue.ExitCode}): {queue.StandardError.Trim()}");
        _result.QueueOutput = queue.StandardOutput;
        output.Write(Indent(queue.StandardOutput, "      "));
        foreach (var expected in new[] { fp, wet })
            if (!queue.StandardOutput.Contains(expected.Code, StringComparison.Ordinal))
                throw new StepFailed($"the queue does not show {expected.Code}");

        // Whose NES ends within 90 days: the applicants' certificates were recorded when they applied.
        var readFrom = DateTimeOffset.UtcNow;
        var expiring = await Run("officer-mersin-1", "lists whose NES ends within 90 days", ["expiring", "--within", "90"], cancel);
        if (expiring.ExitCode != 0)
            throw new StepFailed($"esign expiring failed (exit {expiring.ExitCode}): {expiring.StandardError.Trim()}");
        _result.ExpiringOutput = expiring.StandardOutput;
        output.Write(Indent(expiring.StandardOutput, "      "));
        var listed = await Run("officer-mersin-1", "reads the same list as JSON", ["expiring", "--json"], cancel, quiet: true);
        _result.ExpiringReadAt = (readFrom, DateTimeOffset.UtcNow);
        if (listed.ExitCode != 0)
            throw new StepFailed($"esign expiring --json failed (exit {listed.ExitCode}): {listed.StandardError.Trim()}");
        foreach (var person in JsonNode.Parse(listed.StandardOutput)?["people"]?.AsArray() ?? [])
            _result.ExpiringDaysLeft[person!["tcknMasked"]!.GetValue<string>()] = person["daysLeft"]!.GetValue<int>();
        var stats = await Run("officer-mersin-1", "counts them by category and reminder stage", ["expiring", "--stats"], cancel);
        if (stats.ExitCode != 0)
            throw new StepFailed($"esign expiring --stats failed (exit {stats.ExitCode}): {stats.StandardError.Trim()}");
        output.Write(Indent(stats.StandardOutput, "      "));
        // The applicants of the day whose NES ends within 90 days must be on it.
        foreach (var persona in new[] { "doctor", "fp-expiring", "fp-expired", "individual", "manager" }.Select(_world.Persona)
                     .Where(p => p.Tckn is { Length: 11 } && Within(p.NotAfter, readFrom, 90)))
            if (!_result.ExpiringDaysLeft.ContainsKey(MaskTckn(persona.Tckn!)))
                throw new StepFailed($"esign expiring does not list {persona.Id} (NES ends {persona.NotAfter:yyyy-MM-dd})");

        foreach (var persona in new[] { "doctor", "fp-expiring", "fp-expired", "individual", "manager" })
        {
            var result = await Run(persona, "checks the status of own applications", ["status", "--json"], cancel, quiet: true);
            if (result.ExitCode != 0)
                throw new StepFailed($"esign status for {persona} failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
            foreach (var app in JsonNode.Parse(result.StandardOutput)?["applications"]?.AsArray() ?? [])
            {
                var status = app?["status"]?.GetValue<string>() ?? "?";
                _result.CountsByStatus[status] = _result.CountsByStatus.GetValueOrDefault(status) + 1;
                var id = app?["id"]?.GetValue<string>();
                var role = _result.Applications.FirstOrDefault(a => a.Value.Id == id).Key;
                if (role is not null)
                    _result.FinalStatus[role] = status;
            }
        }
        output.WriteLine("   Counts by status: " + string.Join(", ", _result.CountsByStatus.Select(c => $"{c.Key} {c.Value}")));
        output.WriteLine("   Final: " + string.Join(", ", _result.Applications.Select(a => $"{a.Key} {a.Value.Code} {_result.FinalStatus.GetValueOrDefault(a.Key, "?")}")));
    }

    // ---------------------------------------------------------------- steps

    /// <summary>A TCKN as the server shows it: the first 3 digits.</summary>
    public static string MaskTckn(string tckn) => tckn[..3] + new string('*', tckn.Length - 3);

    private static bool Within(DateTimeOffset notAfter, DateTimeOffset now, int days) => notAfter > now && notAfter <= now.AddDays(days);

    private void Section(string title) => output.WriteLine($"\n== {title}");

    private async Task Login(string persona, CancellationToken cancel, string? mustHaveRole = null) =>
        await Step(persona, "signs in with the card", ["login", "--token", _world.Persona(persona).TokenLabel, "--pin-env", PinVariable, "--json"],
            json =>
            {
                var roles = json?["identity"]?["roles"]?.AsArray().Select(r => r?.GetValue<string>()).ToList() ?? [];
                return mustHaveRole is not null && !roles.Contains(mustHaveRole) ? $"role {mustHaveRole} missing (roles: {string.Join(",", roles)})" : null;
            }, cancel);

    private async Task<DemoApplication> Apply(string role, string persona, string method, string[] contact, string? expectedStatus,
        CancellationToken cancel, string? mustLack = null)
    {
        var category = _world.Persona(persona).Category switch
        {
            "FamilyPhysician" => "family-physician",
            var c => c.ToLowerInvariant(),
        };
        string[] args = ["apply", "--category", category, "--method", method, "--tenant", "33", .. contact];
        if (method == "esign")
            args = [.. args, "--pin-env", PinVariable];
        var what = method switch
        {
            "esign" => "e-signs the renewal form on the card",
            "wet" => "has an expired NES: goes the wet way (prints 2 copies)",
            _ => "confirms with e-Onay",
        };
        var json = await Step(persona, what, [.. args, "--json"], j => ExpectStatus(j?["application"], expectedStatus, role, mustLack), cancel);
        var app = json?["application"] ?? throw new StepFailed("apply printed no application");
        var result = new DemoApplication(app["id"]!.GetValue<string>(), app["code"]!.GetValue<string>());
        _result.Applications[role] = result;
        return result;
    }

    /// <summary>
    /// The applicant's proof, checked offline as anyone could: the saved receipt verifies against the directorate's root,
    /// and a copy with one character changed does not (its hash is not in the signed batch).
    /// </summary>
    private async Task CheckReceipt(string persona, string receipt, CancellationToken cancel)
    {
        if (!File.Exists(receipt) || !File.Exists(Path.ChangeExtension(receipt, ".p7s")))
            throw new StepFailed($"apply --receipt-out saved no receipt at {receipt}");
        // The receipt certificate as the directorate publishes it (here: the world server's certificate file).
        string[] verify = ["cms", "verify-receipt", "--trust-anchor", _world.Pki.RootCertificate,
            "--receipt-signer", _world.Personas.Single(p => p.Role == "server").CertificatePath, "--json"];
        await Step(persona, "checks the saved receipt offline against the directorate's root", [.. verify, receipt],
            json => json?["indication"]?.GetValue<string>() != "TOTAL_PASSED"
                ? $"verdict {json?["indication"]} / {json?["subIndication"]}: {json?["reason"]}"
                : json["checks"]?.AsArray().Any(c => c?["name"]?.GetValue<string>() == "receipt-listed") == true ? null : "no receipt-listed check in the verdict",
            cancel);

        var changed = Path.Combine(Path.GetDirectoryName(receipt)!, "alindi-changed.json");
        var document = JsonNode.Parse(await File.ReadAllTextAsync(receipt, cancel)) as JsonObject
                       ?? throw new StepFailed("the saved receipt is not a JSON object");
        document["applicationCode"] = "33-SAHTE-0001"; // "sahte": forged
        await File.WriteAllTextAsync(changed, document.ToJsonString(), cancel);
        await Step(persona, "shows that a changed copy of the receipt does not verify", [.. verify, changed, "--signature", Path.ChangeExtension(receipt, ".p7s")],
            json => json?["subIndication"]?.GetValue<string>() == "HASH_FAILURE" ? null : $"expected TOTAL_FAILED / HASH_FAILURE, got {json?["indication"]} / {json?["subIndication"]}",
            cancel, expectExit: 1);
    }

    private string? ExpectStatus(JsonNode? application, string? expected, string role, string? mustLack = null)
    {
        var status = application?["status"]?.GetValue<string>();
        if (status is null)
            return "no application in the answer";
        _result.FinalStatus[role] = status;
        if (expected is not null && status != expected)
            return $"status {status}, expected {expected}";
        if (mustLack is not null && !Lacks(application).Contains(mustLack))
            return $"it should lack {mustLack} (lacks: {string.Join(",", Lacks(application))})";
        return null;
    }

    private static List<string> Lacks(JsonNode? application) =>
        application?["lacks"]?.AsArray().Select(l => l?.GetValue<string>() ?? "").ToList() ?? [];

    /// <summary>One esign step: prints who does what and the exact command line, runs it, checks the exit code and the result.</summary>
    private async Task<JsonNode?> Step(string actor, string what, string[] args, Func<JsonNode?, string?> check, CancellationToken cancel,
        int expectExit = 0)
    {
        var result = await Run(actor, what, args, cancel);
        JsonNode? json = null;
        try
        {
            json = result.StandardOutput.Length > 0 ? JsonNode.Parse(result.StandardOutput) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Judged below: a step that should answer JSON and did not is a failure.
        }
        string? problem = result.ExitCode != expectExit
            ? $"exit {result.ExitCode}, expected {expectExit}"
            : json is null ? "no JSON on stdout" : check(json);
        var summary = Summary(json, result);
        output.WriteLine($"      {(problem is null ? "ok" : "FAILED")} ({result.Elapsed.TotalSeconds:0.0} s) {summary}");
        if (problem is not null)
        {
            if (result.StandardError.Trim().Length > 0)
                output.Write(Indent(result.StandardError, "      ! "));
            throw new StepFailed($"{actor}: {what}: {problem}");
        }
        return json;
    }

    private async Task<ProcessResult> Run(string actor, string what, string[] args, CancellationToken cancel, bool quiet = false)
    {
        _result.Steps++;
        var env = new Dictionary<string, string> { ["ESIGN_PROFILE_DIR"] = Path.Combine(options.WorkDirectory, "profiles", actor) };
        string who;
        if (actor == "courier")
        {
            env[ApiKeyVariable] = options.CourierKey;
            who = "courier";
        }
        else
        {
            var persona = _world.Persona(actor);
            env[PinVariable] = persona.UserPin;
            who = $"{persona.Name} ({actor})";
        }
        if (!quiet)
        {
            output.WriteLine($"{_result.Steps,3}. {who} {what}");
            output.WriteLine($"      $ esign {string.Join(' ', args.Select(Quote))}");
        }
        return await _esign.RunAsync(args, env, options.WorkDirectory, cancel);
    }

    private static string Summary(JsonNode? json, ProcessResult result)
    {
        if (json is null)
            return result.StandardError.Trim().Split('\n').FirstOrDefault() ?? "";
        if (json["error"] is { } error)
            return $"refused: {error.GetValue<string>()} — {json["message"]?.GetValue<string>()}";
        if (json["identity"] is { } identity)
            return $"{identity["name"]?.GetValue<string>()} {identity["tcknMasked"]?.GetValue<string>()}, roles {string.Join("+", identity["roles"]?.AsArray().Select(r => r?.GetValue<string>()) ?? [])}" +
                (identity["tenant"]?.GetValue<string>() is { Length: > 0 } t ? $", tenant {t}" : "");
        if (json["indication"]?.GetValue<string>() is { } indication)
            return indication + (json["subIndication"]?.GetValue<string>() is { } sub and not "NONE" ? " / " + sub : "")
                + (json["reason"]?.GetValue<string>() is { } reason ? ": " + reason : "");
        var app = json["application"] ?? (json["status"] is not null ? json : null);
        if (app is null)
            return "";
        var lacks = Lacks(app);
        var text = $"{app["code"]?.GetValue<string>()} {app["status"]?.GetValue<string>()}" + (lacks.Count > 0 ? $" lacks {string.Join(",", lacks)}" : "");
        if (json["receipt"]?["document"]?["formSha256"]?.GetValue<string>() is { Length: >= 12 } sha)
            text += $", signed receipt for form sha256 {sha[..12]}…";
        return text;
    }

    private static string Quote(string arg) =>
        arg.Length == 0 || arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '\\' or '(' or ')' or ';' or '&' or '|')
            ? "'" + arg.Replace("'", "'\\''") + "'"
            : arg;

    private static string Indent(string text, string prefix) =>
        string.Concat(text.Replace("\r", "").TrimEnd('\n').Split('\n').Select(l => prefix + l + "\n"));
}
