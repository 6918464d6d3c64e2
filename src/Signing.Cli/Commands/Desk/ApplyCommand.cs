using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Signing.Contracts.V1;
using Signing.Tokens;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign apply`: builds the renewal form, confirms it (e-signature on the card, e-Onay, or wet) and submits it.</summary>
internal static class ApplyCommand
{
    private static readonly Dictionary<string, ApplicantCategory> Categories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["doctor"] = ApplicantCategory.Doctor,
        ["manager"] = ApplicantCategory.Manager,
        ["family-physician"] = ApplicantCategory.FamilyPhysician,
        ["individual"] = ApplicantCategory.Individual,
    };

    public static Option<string?> CategoryOption(bool required) => new Option<string?>("--category")
    {
        Description = "doctor (Doktor), manager (Yönetici), family-physician (Aile Hekimi) or individual (Bireysel).",
        Required = required,
        HelpName = "doctor|manager|family-physician|individual",
    }.AcceptOnlyFromAmong([.. Categories.Keys]);

    public static ApplicantCategory? ParseCategory(string? value) =>
        value is not null && Categories.TryGetValue(value, out var c) ? c : null;

    /// <summary>The options of `esign apply`, kept together so the parsing can be unit-tested.</summary>
    internal sealed class Options
    {
        public Option<string?> Category { get; } = CategoryOption(required: true);
        public Option<string> Method { get; } = new Option<string>("--method")
        {
            Description = "esign (default: sign on the card, straight to the officer's queue), eonay (with --eonay-file), or wet (print 2 copies).",
            DefaultValueFactory = _ => "esign",
            HelpName = "esign|eonay|wet",
        }.AcceptOnlyFromAmong("esign", "eonay", "wet");
        public Option<string?> Tenant { get; } = new("--tenant")
        {
            Description = "Province code of the directorate (33 = Mersin, 01 = Adana). Default: $ESIGN_TENANT, else the signed-in " +
                          "session's directorate; asked on a terminal otherwise.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESIGN_TENANT") is { Length: > 0 } t ? t : null,
            HelpName = "CODE",
        };
        public Option<string?> Email { get; } = new("--email") { Description = "E-mail address." };
        public Option<string?> Phone { get; } = new("--phone") { Description = "Phone number." };
        public Option<string?> Address { get; } = new("--address") { Description = "Delivery address: the courier hands the token to you only." };
        public Option<string?> Institution { get; } = new("--institution") { Description = "Your institution (Kurum)." };
        public Option<FileInfo?> Out { get; } = new("--out") { Description = "Wet: where to save the printable PDF (default basvuru-CODE.pdf).", HelpName = "FILE" };
        public Option<string?> RequestId { get; } = new("--request-id") { Description = "Your id for this submission (1..64 chars); repeating it returns the same application. Default: random." };
        public Option<FileInfo?> EOnayFile { get; } = new("--eonay-file") { Description = "e-Onay: the confirmation file obtained through e-Devlet.", HelpName = "FILE" };
        public Option<FileInfo?> FormOut { get; } = new("--form-out")
        {
            Description = "Only write the form JSON to FILE and print its SHA-256 (what an e-Onay confirmation refers to); submit nothing.",
            HelpName = "FILE",
        };
        public Option<FileInfo?> ReceiptOut { get; } = new("--receipt-out")
        {
            Description = "Also save the signed receipt: its document to FILE and its signature beside it (FILE with the extension .p7s), " +
                          "your proof of submission; check them offline with `esign cms verify-receipt FILE --trust-anchor ROOT.pem " +
                          "--receipt-signer FINGERPRINT` (the receipt certificate your directorate publishes).",
            HelpName = "FILE",
        };
        public Option<string?> Tckn { get; } = new("--tckn") { Description = "Without a card (wet / e-Onay): your TCKN." };
        public Option<string?> GivenNames { get; } = new("--given-names") { Description = "Without a card: your given name(s)." };
        public Option<string?> Surname { get; } = new("--surname") { Description = "Without a card: your surname." };

        public void AddTo(Command c)
        {
            foreach (var option in new Option[] { Category, Method, Tenant, Email, Phone, Address, Institution, Out, RequestId, EOnayFile, FormOut, ReceiptOut, Tckn, GivenNames, Surname })
                c.Options.Add(option);
        }
    }

    public static Command Create()
    {
        var command = new Command("apply",
            "Apply to renew your NES (YENİLEME, 3 years): builds the form from the options (asks for missing ones on a terminal), " +
            "confirms it — e-signed on the card (--method esign), with an e-Onay confirmation (eonay), or printed for a wet signature (wet, saves the PDF) — " +
            "submits it and prints the signed receipt's summary. " + DeskExit.SeeHelp);
        var o = DeskOptions.AddTo(command);
        var card = CardOptions.AddTo(command);
        var a = new Options();
        a.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() => Run(ctx, parse, card, a));
        });
        return command;
    }

    private static int Run(DeskContext ctx, ParseResult parse, CardOptions card, Options a)
    {
        var category = ParseCategory(parse.GetValue(a.Category)) ?? throw new UsageException("--category is required");
        var method = parse.GetValue(a.Method) ?? "esign";
        var formOut = parse.GetValue(a.FormOut);
        var eOnayFile = parse.GetValue(a.EOnayFile);
        if (method == "eonay" && eOnayFile is null && formOut is null)
            throw new DeskException(DeskExit.BadInput, "apply.eonayFile");
        if (eOnayFile is { Exists: false })
            throw new UsageException($"file not found: {eOnayFile.FullName}");
        var receiptFiles = ApplyReceipt.Files(parse.GetValue(a.ReceiptOut), formOut);
        var requestId = parse.GetValue(a.RequestId) ?? Guid.NewGuid().ToString("N");
        if (requestId.Length is < 1 or > 64)
            throw new UsageException("--request-id: 1..64 characters");

        // The session and the form's own values are settled before the card is touched: no PIN is asked for a call that
        // cannot succeed.
        if (formOut is null)
            ctx.RequireSession();
        var contact = Contact(ctx, parse, a, category);

        TokenSession? token = null;
        try
        {
            X509Certificate? certificate;
            SigningKey? key = null;
            if (method == "esign" && formOut is null)
            {
                // No status line around the card: the PIN prompt must stay readable.
                token = ctx.OpenCard(parse, card);
                key = token.GetSigningKey();
                certificate = key.Certificate;
            }
            else
            {
                certificate = TryReadCertificate(ctx, parse, card);
            }

            var form = BuildForm(ctx, parse, a, category, certificate, contact);
            var formJson = Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(form));
            if (formOut is not null)
            {
                File.WriteAllBytes(formOut.FullName, formJson);
                var sha = Convert.ToHexString(SHA256.HashData(formJson)).ToLowerInvariant();
                if (ctx.Json)
                    ctx.WriteJson(new JsonObject { ["form"] = formOut.FullName, ["formSha256"] = sha });
                else
                    ctx.Line(ctx.T("apply.formWritten", formOut.FullName, sha));
                return DeskExit.Ok;
            }

            var client = new ApplicationService.ApplicationServiceClient(ctx.Channel);
            Application application;
            SignedReceipt receipt;
            bool replayed;
            string? pdfPath = null;
            switch (method)
            {
                case "esign":
                {
                    var cms = ctx.Step("step.signForm", () => new CadesSigner(key!).Sign(formJson, detached: false));
                    var response = ctx.Step("step.submit", () => client.SubmitESigned(new SubmitESignedRequest
                    {
                        Cms = ByteString.CopyFrom(cms),
                        Form = form,
                        ClientRequestId = requestId,
                    }, ctx.Authed()));
                    (application, receipt, replayed) = (response.Application, response.Receipt, response.Replayed);
                    break;
                }
                case "eonay":
                {
                    var request = new SubmitWithEOnayRequest
                    {
                        FormJson = ByteString.CopyFrom(formJson),
                        EOnayConfirmation = ByteString.CopyFrom(File.ReadAllBytes(eOnayFile!.FullName)),
                        ClientRequestId = requestId,
                    };
                    if (certificate is not null)
                        request.CurrentCertificate = ByteString.CopyFrom(certificate.GetEncoded());
                    var response = ctx.Step("step.submit", () => client.SubmitWithEOnay(request, ctx.Authed()));
                    (application, receipt, replayed) = (response.Application, response.Receipt, response.Replayed);
                    break;
                }
                default:
                {
                    var request = new SubmitWetSignedRequest { Form = form, ClientRequestId = requestId };
                    if (certificate is not null)
                        request.CurrentCertificate = ByteString.CopyFrom(certificate.GetEncoded());
                    var response = ctx.Step("step.submit", () => client.SubmitWetSigned(request, ctx.Authed()));
                    (application, receipt, replayed) = (response.Application, response.Receipt, response.Replayed);
                    pdfPath = parse.GetValue(a.Out)?.FullName ?? Path.GetFullPath($"basvuru-{SafeFileName(application.Code)}.pdf");
                    File.WriteAllBytes(pdfPath, response.PrintableFormPdf.ToByteArray());
                    break;
                }
            }

            var savedReceipt = receiptFiles is { } files ? ApplyReceipt.Save(ctx, receipt, files) : null;
            if (ctx.Json)
            {
                var node = new JsonObject
                {
                    ["application"] = DeskContext.ToNode(application),
                    ["replayed"] = replayed,
                    ["receipt"] = ApplyReceipt.Node(receipt),
                };
                if (savedReceipt is var (documentPath, signaturePath))
                    node["receiptFiles"] = new JsonObject { ["document"] = documentPath, ["signature"] = signaturePath };
                if (pdfPath is not null)
                    node["printableForm"] = pdfPath;
                ctx.WriteJson(node);
                return DeskExit.Ok;
            }
            ctx.Line(ctx.T("apply.ok") + (replayed ? " " + ctx.T("apply.replayed") : ""));
            Views.Application(ctx, application, withHistory: false);
            Views.Receipt(ctx, receipt);
            if (savedReceipt is var (savedDocument, savedSignature))
                ctx.Line(ctx.T("apply.receiptSaved", savedDocument, savedSignature, ApplyReceipt.SignerFingerprint(receipt)));
            if (pdfPath is not null)
                ctx.Line(ctx.T("apply.pdf", pdfPath));
            return DeskExit.Ok;
        }
        finally
        {
            token?.Dispose();
        }
    }

    private static X509Certificate? TryReadCertificate(DeskContext ctx, ParseResult parse, CardOptions card)
    {
        try
        {
            return ctx.ReadCardCertificate(parse, card);
        }
        catch (TokenException) when (parse.GetValue(card.Token) is null)
        {
            // No card at hand is normal on the wet and e-Onay paths: the person types their TCKN and name instead.
            return null;
        }
    }

    private static string SafeFileName(string code) =>
        string.Concat(code.Select(ch => char.IsLetterOrDigit(ch) || ch == '-' ? ch : '_'));

    internal sealed record ContactFields(string Email, string Phone, string Address, string Institution);

    private static ContactFields Contact(DeskContext ctx, ParseResult parse, Options a, ApplicantCategory category) => new(
        parse.GetValue(a.Email) ?? Ask(ctx, "--email"),
        parse.GetValue(a.Phone) ?? Ask(ctx, "--phone"),
        parse.GetValue(a.Address) ?? Ask(ctx, "--address"),
        parse.GetValue(a.Institution) ?? (category == ApplicantCategory.Individual ? "" : Ask(ctx, "--institution")));

    internal static ApplicationForm BuildForm(DeskContext ctx, ParseResult parse, Options a, ApplicantCategory category, X509Certificate? certificate,
        ContactFields contact)
    {
        string tckn, given, surname;
        if (certificate is not null)
        {
            tckn = FormFacts.Tckn(certificate) ?? parse.GetValue(a.Tckn) ?? Ask(ctx, "--tckn");
            (given, surname) = FormFacts.Names(certificate);
        }
        else
        {
            tckn = parse.GetValue(a.Tckn) ?? Ask(ctx, "--tckn", "apply.noToken");
            given = parse.GetValue(a.GivenNames) ?? Ask(ctx, "--given-names", "apply.noToken");
            surname = parse.GetValue(a.Surname) ?? Ask(ctx, "--surname", "apply.noToken");
        }
        if (!Signing.Domain.Tckn.IsValid(tckn))
            throw new UsageException($"--tckn: not a valid TCKN ({Signing.Domain.Tckn.Mask(tckn)})");
        return new ApplicationForm
        {
            Tenant = parse.GetValue(a.Tenant) ?? ctx.TryLoadSession()?.Tenant ?? Ask(ctx, "--tenant"),
            Tckn = tckn,
            GivenNames = given,
            Surname = surname,
            Category = category,
            Reason = "YENİLEME",
            CertificateKind = "NES",
            TermYears = Signing.Domain.KamuSm.NesTermYears,
            Email = contact.Email,
            Phone = contact.Phone,
            DeliveryAddress = contact.Address,
            Institution = contact.Institution,
        };
    }

    /// <summary>Asks on a terminal; without one (scripts, pipes) a missing value is a clear usage error, never a hang.</summary>
    private static string Ask(DeskContext ctx, string option, string missingKey = "apply.missing")
    {
        if (Console.IsInputRedirected)
            throw new DeskException(DeskExit.BadInput, missingKey, [option]);
        Console.Error.Write(ctx.T("apply.ask", option.TrimStart('-')));
        var value = Console.ReadLine()?.Trim();
        if (string.IsNullOrEmpty(value))
            throw new DeskException(DeskExit.BadInput, missingKey, [option]);
        return value;
    }
}
