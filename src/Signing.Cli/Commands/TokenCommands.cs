using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Signing.Tokens;

namespace Signing.Cli.Commands;

/// <summary>`esign token list` and `esign token show`.</summary>
public static class TokenCommands
{
    public static Command Create()
    {
        var token = new Command("token", "PKCS#11 tokens and smart cards: list them, show their certificates. " + TokenCli.ExitCodeHelp);
        token.Subcommands.Add(List());
        token.Subcommands.Add(Show());
        return token;
    }

    private static Command List()
    {
        var module = TokenCli.ModuleOption();
        var json = TokenCli.JsonOption();
        var all = new Option<bool>("--all") { Description = "Also list empty and uninitialised slots." };
        var command = new Command("list", "List slots and tokens: label, serial, manufacturer, model, PIN flags. " + TokenCli.ExitCodeHelp)
        {
            module, json, all,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return TokenCli.Run(asJson, () =>
            {
                var loaded = Pkcs11Module.Load(parse.GetValue(module));
                var slots = parse.GetValue(all) ? loaded.ListSlots() : loaded.ListTokens();
                if (asJson)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new { module = loaded.Path, tokens = slots }, TokenCli.Json));
                    return TokenCli.ExitCodes.Ok;
                }
                if (slots.Count == 0)
                {
                    Console.Out.WriteLine($"No token found through {loaded.Path}.");
                    return TokenCli.ExitCodes.Ok;
                }
                var table = new Table().AddColumns("Slot", "Label", "Serial", "Manufacturer", "Model", "Flags");
                foreach (var s in slots)
                    table.AddRow(Markup.Escape(s.SlotId.ToString()), Markup.Escape(s.Label ?? "(empty)"), Markup.Escape(s.SerialNumber ?? ""),
                        Markup.Escape(s.Manufacturer ?? ""), Markup.Escape(s.Model ?? ""), Markup.Escape(DescribeFlags(s.Flags)));
                TokenCli.Render(table);
                return TokenCli.ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Show()
    {
        var module = TokenCli.ModuleOption();
        var tokenLabel = TokenCli.TokenOption();
        var json = TokenCli.JsonOption();
        var login = new Option<bool>("--login") { Description = "Log in (PIN prompt without echo) to see which certificates have their private key." };
        var pinEnv = TokenCli.PinEnvOption();
        var pinStdin = TokenCli.PinStdinOption();
        var command = new Command("show",
            "Show a token's certificates: label, CKA_ID, subject, key type, key pair, nonRepudiation, status " +
            $"(valid / expiring within {CertificateStatus.ExpiringDays} days / expired, with days left). " + TokenCli.ExitCodeHelp)
        {
            module, tokenLabel, json, login, pinEnv, pinStdin,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return TokenCli.Run(asJson, () =>
            {
                var loaded = Pkcs11Module.Load(parse.GetValue(module));
                var label = parse.GetValue(tokenLabel);
                var wantsLogin = parse.GetValue(login) || parse.GetValue(pinEnv) is not null || parse.GetValue(pinStdin);
                IReadOnlyList<TokenCertificate> certificates;
                string shownLabel;
                if (wantsLogin)
                {
                    using var session = loaded.Login(label, TokenCli.PinSource(parse.GetValue(pinEnv), parse.GetValue(pinStdin)));
                    certificates = session.Certificates;
                    shownLabel = session.Label;
                }
                else
                {
                    certificates = loaded.ListCertificates(label);
                    shownLabel = label ?? loaded.ListTokens().Single().Label!;
                }
                var now = DateTime.UtcNow;
                var rows = certificates.Select(c =>
                {
                    var (state, days) = CertificateStatus.Of(c.Certificate.NotBefore.ToUniversalTime(), c.NotAfterUtc, now);
                    return new
                    {
                        label = c.Label,
                        id = c.IdHex,
                        subject = c.Subject,
                        issuer = c.Certificate.IssuerDN.ToString(),
                        serialNumber = c.Certificate.SerialNumber.ToString(16),
                        keyType = c.KeyDescription,
                        publicKey = c.HasPublicKey,
                        privateKey = c.HasPrivateKey,
                        nonRepudiation = c.NonRepudiation,
                        notAfter = c.NotAfterUtc,
                        status = state,
                        daysLeft = days,
                    };
                }).ToList();
                if (asJson)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new { token = shownLabel, certificates = rows }, TokenCli.Json));
                    return TokenCli.ExitCodes.Ok;
                }
                Console.Out.WriteLine($"Token '{shownLabel}': {rows.Count} certificate(s)");
                var table = new Table().AddColumns("Label", "ID", "Subject", "Key", "Key pair", "Signing", "Not after", "Status");
                foreach (var r in rows)
                    table.AddRow(Markup.Escape(r.label), r.id, Markup.Escape(r.subject), r.keyType,
                        (r.publicKey ? "public" : "") + (r.privateKey switch { true => "+private", false => " NO PRIVATE KEY", null => " (private: log in)" }),
                        r.nonRepudiation ? "nonRepudiation" : "no nonRepudiation",
                        r.notAfter.ToString("yyyy-MM-dd"),
                        r.status switch
                        {
                            CertificateState.Valid => $"VALID ({r.daysLeft} days left)",
                            CertificateState.Expiring => $"EXPIRING ({r.daysLeft} days left)",
                            CertificateState.Expired => $"EXPIRED ({-r.daysLeft} days ago)",
                            _ => "NOT YET VALID",
                        });
                TokenCli.Render(table);
                return TokenCli.ExitCodes.Ok;
            });
        });
        return command;
    }

    private static string DescribeFlags(TokenFlags? f)
    {
        if (f is null)
            return "";
        var parts = new List<string>();
        if (!f.TokenInitialized) parts.Add("not initialised");
        if (f.LoginRequired) parts.Add("login required");
        if (f.ProtectedAuthenticationPath) parts.Add("PIN pad");
        if (f.UserPinLocked) parts.Add("PIN LOCKED");
        else if (f.UserPinFinalTry) parts.Add("PIN final try");
        else if (f.UserPinCountLow) parts.Add("PIN count low");
        if (f.UserPinToBeChanged) parts.Add("PIN to be changed");
        return string.Join(", ", parts);
    }
}
