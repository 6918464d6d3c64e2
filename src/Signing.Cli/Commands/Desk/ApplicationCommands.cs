using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign status [ID]` and `esign receipt attach`. Plus the id lookup every command shares.</summary>
internal static class ApplicationCommands
{
    public static Argument<string> IdArgument(string description = "Application id (GUID) or its short code.") =>
        new("ID") { Description = description };

    /// <summary>
    /// An application id from what a person types: the GUID itself, or the short code printed on the wet form
    /// (looked up on the officer's queue, then among the caller's own applications).
    /// </summary>
    public static string ResolveId(DeskContext ctx, string idOrCode, CallOptions call)
    {
        idOrCode = idOrCode.Trim();
        if (Guid.TryParse(idOrCode, out _))
            return idOrCode;
        try
        {
            var queue = new ApprovalService.ApprovalServiceClient(ctx.Channel);
            var cursor = "";
            do
            {
                var page = queue.ListQueue(new ListQueueRequest { Page = new PageRequest { PageSize = 200, Cursor = cursor } }, call);
                var hit = page.Items.FirstOrDefault(i => string.Equals(i.Code, idOrCode, StringComparison.OrdinalIgnoreCase));
                if (hit is not null)
                    return hit.ApplicationId;
                cursor = page.NextCursor;
            } while (cursor.Length > 0);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Unimplemented)
        {
            // Not an officer: look among the caller's own applications below.
        }
        try
        {
            var apps = new ApplicationService.ApplicationServiceClient(ctx.Channel);
            var cursor = "";
            do
            {
                var page = apps.ListMine(new ListMineRequest { Page = new PageRequest { PageSize = 200, Cursor = cursor } }, call);
                var hit = page.Applications.FirstOrDefault(x => string.Equals(x.Code, idOrCode, StringComparison.OrdinalIgnoreCase));
                if (hit is not null)
                    return hit.Id;
                cursor = page.NextCursor;
            } while (cursor.Length > 0);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unimplemented)
        {
            // A system client has no "mine".
        }
        throw new DeskException(DeskExit.NotFound, "notFoundCode", [idOrCode], "next.notFound");
    }

    /// <summary>The version to send as expected_version: --version when given, else the one a fresh Get shows.</summary>
    public static long VersionFor(DeskContext ctx, string id, long? explicitVersion, CallOptions call) =>
        explicitVersion ?? new ApplicationService.ApplicationServiceClient(ctx.Channel)
            .Get(new GetApplicationRequest { ApplicationId = id }, call).Version;

    public static Option<long?> VersionOption() => new("--version")
    {
        Description = "The application version you saw (optimistic check); 0 skips the check. Default: the current one.",
        HelpName = "N",
    };

    public static Command Status()
    {
        var id = new Argument<string?>("ID") { Description = "Application id or code; without it, all your applications.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Where is my application? Its state, what it still lacks, the next step and its history; without ID, all of yours. " + DeskExit.SeeHelp)
        {
            id,
        };
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var client = new ApplicationService.ApplicationServiceClient(ctx.Channel);
                var call = ctx.Authed();
                if (parse.GetValue(id) is { Length: > 0 } given)
                {
                    var app = client.Get(new GetApplicationRequest { ApplicationId = ResolveId(ctx, given, call) }, call);
                    if (ctx.Json)
                        ctx.WriteJson(DeskContext.ToNode(app));
                    else
                        Views.Application(ctx, app, withHistory: true);
                    return DeskExit.Ok;
                }
                var all = new List<Application>();
                var cursor = "";
                do
                {
                    var page = client.ListMine(new ListMineRequest { Page = new PageRequest { PageSize = 200, Cursor = cursor } }, call);
                    all.AddRange(page.Applications);
                    cursor = page.NextCursor;
                } while (cursor.Length > 0);
                if (ctx.Json)
                    ctx.WriteJson(new JsonObject { ["applications"] = new JsonArray([.. all.Select(a => DeskContext.ToNode(a))]) });
                else if (all.Count == 0)
                    ctx.Line(ctx.T("app.none"));
                else
                    TokenCli.Render(Views.Applications(ctx, all));
                return DeskExit.Ok;
            });
        });
        return command;
    }

    public static Command Receipt()
    {
        var id = IdArgument();
        var file = new Argument<FileInfo>("FILE") { Description = "The scanned receipt (dekont), PDF or image; only its SHA-256 and size are kept." };
        var amount = new Option<string>("--amount") { Description = "Amount paid in TL, e.g. 780.00.", Required = true };
        var iban = new Option<string>("--iban") { Description = "The IBAN paid to (spaces allowed).", Required = true };
        var description = new Option<string>("--description")
        {
            Description = "The receipt's description: name(s), surname, TCKN and \"NES 3 YILLIK BAŞVURUSU\".",
            Required = true,
        };
        var date = new Option<string>("--date") { Description = "Payment date, YYYY-MM-DD.", Required = true, HelpName = "YYYY-MM-DD" };
        var version = VersionOption();
        var attach = new Command("attach", "Attach the bank receipt of a family physician's fee (780.00 TL) to the application. " + DeskExit.SeeHelp)
        {
            id, file, amount, iban, description, date, version,
        };
        var o = DeskOptions.AddTo(attach);
        attach.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var scan = parse.GetValue(file)!;
                if (!scan.Exists)
                    throw new UsageException($"file not found: {scan.FullName}");
                var money = ParseAmount(parse.GetValue(amount)!);
                var paidOn = ParseDate(parse.GetValue(date)!);
                var call = ctx.Authed();
                var appId = ResolveId(ctx, parse.GetValue(id)!, call);
                var request = new AttachPaymentReceiptRequest
                {
                    ApplicationId = appId,
                    Amount = new Money { Amount = money, Currency = "TRY" },
                    Iban = parse.GetValue(iban)!,
                    Description = parse.GetValue(description)!,
                    PaidOn = paidOn,
                    ScannedFile = ByteString.CopyFrom(File.ReadAllBytes(scan.FullName)),
                    ScannedFileName = scan.Name,
                    ExpectedVersion = VersionFor(ctx, appId, parse.GetValue(version), call),
                };
                var app = new ApplicationService.ApplicationServiceClient(ctx.Channel).AttachPaymentReceipt(request, call);
                if (ctx.Json)
                    ctx.WriteJson(DeskContext.ToNode(app));
                else
                {
                    ctx.Line(ctx.T("receipt.attached"));
                    Views.Application(ctx, app, withHistory: false);
                }
                return DeskExit.Ok;
            });
        });
        return new Command("receipt", "Payment receipts (dekont) of family physicians.") { attach };
    }

    /// <summary>"780", "780.00" or the Turkish "780,00" → "780.00"; anything else is a usage error.</summary>
    internal static string ParseAmount(string text)
    {
        var t = text.Trim().Replace(" ", "");
        if (t.Contains(',') && !t.Contains('.'))
            t = t.Replace(',', '.');
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0 || decimal.Round(value, 2) != value)
            throw new UsageException($"--amount: not an amount in TL with at most 2 decimals: {text}");
        return value.ToString("0.00", CultureInfo.InvariantCulture);
    }

    internal static string ParseDate(string text)
    {
        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            throw new UsageException($"--date: not a date as YYYY-MM-DD: {text}");
        return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
