using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;
using Signing.Contracts.V1;
using Signing.Tokens;

namespace Signing.Cli.Commands.Desk;

/// <summary>The officer's desk: `esign queue`, `esign paper register`, `esign approve`, `esign reject`.</summary>
internal static class OfficerCommands
{
    public static Command Queue()
    {
        var watch = new Option<bool>("--watch") { Description = "Keep watching: the current queue, then every change as it happens (Ctrl+C stops)." };
        var category = ApplyCommand.CategoryOption(required: false);
        var lacks = new Option<string?>("--lacks")
        {
            Description = "Only items lacking this: RECEIPT, PAPER, SECOND_APPROVAL, CATEGORY_CONFIRMED; or NOTHING for complete ones.",
            HelpName = "WHAT",
        };
        var command = new Command("queue", "What is waiting for me? The tenant's approval queue, oldest first, with what each item still lacks. " + DeskExit.SeeHelp)
        {
            watch, category, lacks,
        };
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var client = new ApprovalService.ApprovalServiceClient(ctx.Channel);
                var wantedCategory = ApplyCommand.ParseCategory(parse.GetValue(category)) ?? ApplicantCategory.Unspecified;
                var wantedLacks = parse.GetValue(lacks)?.Trim().ToUpperInvariant() ?? "";
                if (parse.GetValue(watch))
                    return Watch(ctx, client, wantedCategory, wantedLacks);

                var call = ctx.Authed();
                var items = new List<QueueItem>();
                long total = 0;
                var cursor = "";
                do
                {
                    var page = client.ListQueue(new ListQueueRequest
                    {
                        Page = new PageRequest { PageSize = 200, Cursor = cursor },
                        Category = wantedCategory,
                        Lacks = wantedLacks,
                        IncludeTotal = true,
                    }, call);
                    items.AddRange(page.Items);
                    total = page.Total;
                    cursor = page.NextCursor;
                } while (cursor.Length > 0);
                if (ctx.Json)
                {
                    ctx.WriteJson(new JsonObject { ["total"] = total, ["items"] = new JsonArray([.. items.Select(i => DeskContext.ToNode(i))]) });
                    return DeskExit.Ok;
                }
                if (items.Count == 0)
                {
                    ctx.Line(ctx.T("queue.empty"));
                    return DeskExit.Ok;
                }
                TokenCli.Render(Views.Queue(ctx, items));
                ctx.Line(ctx.T("queue.total", total));
                return DeskExit.Ok;
            });
        });
        return command;
    }

    private static int Watch(DeskContext ctx, ApprovalService.ApprovalServiceClient client, ApplicantCategory category, string lacks)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var session = ctx.RequireSession();
            var headers = new Metadata { { "authorization", "Bearer " + session.AccessToken } };
            // A watch has no deadline of its own; it ends with Ctrl+C or when the session expires on the server.
            using var call = client.WatchQueue(new WatchQueueRequest(), new CallOptions(headers, cancellationToken: stop.Token));
            if (!ctx.Json)
                Console.Error.WriteLine(ctx.T("queue.watching"));
            try
            {
                while (call.ResponseStream.MoveNext(stop.Token).GetAwaiter().GetResult())
                {
                    var change = call.ResponseStream.Current;
                    var item = change.Item;
                    if (item is null || !Matches(item, category, lacks))
                        continue;
                    if (ctx.Json)
                    {
                        // One JSON object per line, so a script can read the stream as it comes.
                        var node = new JsonObject { ["kind"] = change.Kind.ToString(), ["item"] = DeskContext.ToNode(item) };
                        Console.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                        Console.Out.Flush();
                        continue;
                    }
                    var kind = change.Kind switch
                    {
                        QueueChange.Types.Kind.Added => "[green]+[/]",
                        QueueChange.Types.Kind.Removed => "[red]-[/]",
                        QueueChange.Types.Kind.Updated => "[yellow]~[/]",
                        _ => " ",
                    };
                    ctx.Out.MarkupLine($"{kind} [bold]{Markup.Escape(item.Code)}[/] {Markup.Escape(item.ApplicantName)} ({Markup.Escape(item.TcknMasked)}) " +
                        $"{Markup.Escape(Texts.Category(ctx.Lang, item.Category))} {Views.StatusMarkup(ctx.Lang, item.Status)} " +
                        $"{Markup.Escape(Views.Lacks(ctx.Lang, item.Lacks))} {item.Approvals}/{item.ApprovalsRequired}");
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
            {
                // Ctrl+C: a normal end of watching.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            return DeskExit.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static bool Matches(QueueItem item, ApplicantCategory category, string lacks) =>
        (category == ApplicantCategory.Unspecified || item.Category == category)
        && (lacks.Length == 0 || (lacks == "NOTHING" ? item.Lacks.Count == 0 : item.Lacks.Contains(lacks)));

    public static Command Paper()
    {
        var id = ApplicationCommands.IdArgument("Application id or the code printed on the form.");
        var copies = new Option<int>("--copies") { Description = "Copies received at the desk (2 are required).", DefaultValueFactory = _ => 2 };
        var version = ApplicationCommands.VersionOption();
        var register = new Command("register", "The 2 wet-signed copies arrived at the desk: register them; the application goes on the queue. " + DeskExit.SeeHelp)
        {
            id, copies, version,
        };
        var o = DeskOptions.AddTo(register);
        register.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var call = ctx.Authed();
                var appId = ApplicationCommands.ResolveId(ctx, parse.GetValue(id)!, call);
                var app = new ApprovalService.ApprovalServiceClient(ctx.Channel).RegisterPaperForm(new RegisterPaperFormRequest
                {
                    ApplicationId = appId,
                    Copies = parse.GetValue(copies),
                    ExpectedVersion = ApplicationCommands.VersionFor(ctx, appId, parse.GetValue(version), call),
                }, call);
                if (ctx.Json)
                    ctx.WriteJson(DeskContext.ToNode(app));
                else
                {
                    ctx.Line(ctx.T("paper.ok", parse.GetValue(copies)));
                    Views.Application(ctx, app, withHistory: false);
                }
                return DeskExit.Ok;
            });
        });
        return new Command("paper", "Wet-signed paper forms at the officer's desk.") { register };
    }

    public static Command Category()
    {
        var id = ApplicationCommands.IdArgument("Application id or the code printed on the form.");
        var category = ApplyCommand.CategoryOption(required: true);
        var version = ApplicationCommands.VersionOption();
        var confirm = new Command("confirm",
            "The staff list did not confirm the applicant's category (not on it, or listed otherwise): confirm or correct it " +
            "(doctor, manager or family-physician); the fee follows the category. " + DeskExit.SeeHelp)
        {
            id, category, version,
        };
        var o = DeskOptions.AddTo(confirm);
        confirm.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var call = ctx.Authed();
                var appId = ApplicationCommands.ResolveId(ctx, parse.GetValue(id)!, call);
                var app = new ApprovalService.ApprovalServiceClient(ctx.Channel).ConfirmCategory(new ConfirmCategoryRequest
                {
                    ApplicationId = appId,
                    Category = ApplyCommand.ParseCategory(parse.GetValue(category)) ?? throw new UsageException("--category is required"),
                    ExpectedVersion = ApplicationCommands.VersionFor(ctx, appId, parse.GetValue(version), call),
                }, call);
                if (ctx.Json)
                    ctx.WriteJson(DeskContext.ToNode(app));
                else
                {
                    ctx.Line(ctx.T("category.ok", Texts.Category(ctx.Lang, app.Category)));
                    Views.Application(ctx, app, withHistory: false);
                }
                return DeskExit.Ok;
            });
        });
        return new Command("category", "The applicant's category, where the directorate's staff list did not confirm it.") { confirm };
    }

    public static Command Approve() => DecisionCommand(Decision.Approve);

    public static Command Reject() => DecisionCommand(Decision.Reject);

    private static Command DecisionCommand(Decision decision)
    {
        var approve = decision == Decision.Approve;
        var id = ApplicationCommands.IdArgument();
        var reason = new Option<string?>("--reason") { Description = "Why (required for a rejection; shown to the applicant).", Required = !approve };
        var command = new Command(approve ? "approve" : "reject",
            (approve ? "Approve" : "Reject") + " an application: shows the decision document, signs it on your card (detached CAdES) and " +
            "submits it with the version it was made for. Tenants with four-eyes need two officers' approvals. " + DeskExit.SeeHelp)
        {
            id, reason,
        };
        var o = DeskOptions.AddTo(command);
        var card = CardOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var call = ctx.Authed();
                var client = new ApprovalService.ApprovalServiceClient(ctx.Channel);
                var appId = ApplicationCommands.ResolveId(ctx, parse.GetValue(id)!, call);
                var document = client.GetDecisionDocument(new GetDecisionDocumentRequest
                {
                    ApplicationId = appId,
                    Decision = decision,
                    Reason = parse.GetValue(reason) ?? "",
                }, call);
                if (!ctx.Json)
                {
                    // The officer sees exactly what the card will sign before the PIN is asked.
                    ctx.Line(ctx.T("decision.document"));
                    ctx.Out.Write(new Panel(Markup.Escape(Pretty(document.Document))));
                }
                using var token = ctx.OpenCard(parse, card);
                var key = token.GetSigningKey();
                var signature = ctx.Step("step.signDecision", () => new CadesSigner(key).Sign(document.Document.ToByteArray(), detached: true));
                var app = client.Decide(new DecideRequest
                {
                    ApplicationId = appId,
                    Document = document.Document,
                    Signature = ByteString.CopyFrom(signature),
                    ExpectedVersion = document.Version,
                }, ctx.Authed());
                if (ctx.Json)
                    ctx.WriteJson(new JsonObject
                    {
                        ["decision"] = decision.ToString().ToUpperInvariant(),
                        ["document"] = TryParse(document.Document),
                        ["application"] = DeskContext.ToNode(app),
                    });
                else
                {
                    ctx.Line(ctx.T(approve ? "decision.approved" : "decision.rejected"));
                    Views.Application(ctx, app, withHistory: false);
                }
                return DeskExit.Ok;
            });
        });
        return command;
    }

    private static JsonNode? TryParse(ByteString bytes)
    {
        try
        {
            return JsonNode.Parse(bytes.ToStringUtf8());
        }
        catch (JsonException)
        {
            return bytes.ToBase64();
        }
    }

    private static string Pretty(ByteString bytes) =>
        TryParse(bytes) is JsonObject or JsonArray
            ? TryParse(bytes)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            : Encoding.UTF8.GetString(bytes.Span);
}
