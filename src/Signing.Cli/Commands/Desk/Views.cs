using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>How applications, receipts and queue items look to a person (tables, colours on a terminal only).</summary>
internal static class Views
{
    public static string Step(Lang lang, GuidanceStep? step) =>
        step is null ? "" : lang == Lang.Tr && step.TextTr.Length > 0 ? step.TextTr : step.Text;

    public static string When(Google.Protobuf.WellKnownTypes.Timestamp? t) =>
        t is null ? "" : t.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Lacks(Lang lang, IEnumerable<string> lacks) => string.Join(", ", lacks.Select(l => Texts.Lack(lang, l)));

    public static string StatusMarkup(Lang lang, string status)
    {
        var text = Markup.Escape(Texts.Status(lang, status));
        return status switch
        {
            "APPROVED" or "DELIVERED" => $"[green]{text}[/]",
            "REJECTED" or "WITHDRAWN" or "RETURNED" or "RETURNED_TO_SENDER" => $"[red]{text}[/]",
            "AWAITING_PAPER" or "AWAITING_APPROVAL" => $"[yellow]{text}[/]",
            _ => text,
        };
    }

    public static void Application(DeskContext ctx, Application a, bool withHistory)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string key, string markup) => grid.AddRow($"[bold]{Markup.Escape(ctx.T(key))}[/]", markup);
        Row("app.code", $"[bold]{Markup.Escape(a.Code)}[/]");
        Row("app.id", Markup.Escape(a.Id));
        Row("app.applicant", Markup.Escape($"{a.ApplicantName} ({a.TcknMasked})"));
        Row("app.category", Markup.Escape(Texts.Category(ctx.Lang, a.Category)));
        Row("app.method", Markup.Escape(Texts.Method(ctx.Lang, a.Method)));
        Row("app.tenant", Markup.Escape(a.Tenant));
        Row("app.status", StatusMarkup(ctx.Lang, a.Status));
        if (a.Lacks.Count > 0)
            Row("app.lacks", $"[yellow]{Markup.Escape(Lacks(ctx.Lang, a.Lacks))}[/]");
        if (a.NextStep is not null)
            Row("app.next", Markup.Escape(Step(ctx.Lang, a.NextStep)));
        Row("app.submitted", Markup.Escape(When(a.SubmittedAt)));
        Row("app.version", a.Version.ToString(CultureInfo.InvariantCulture));
        ctx.Out.Write(grid);
        if (withHistory && a.History.Count > 0)
        {
            var table = new Table().Title(Markup.Escape(ctx.T("app.history"))).AddColumns("", "", "", "");
            table.ShowHeaders = false;
            foreach (var h in a.History)
                table.AddRow(Markup.Escape(When(h.At)), Markup.Escape(h.Event), Markup.Escape(h.Actor), Markup.Escape(h.Text));
            ctx.Out.Write(table);
        }
    }

    public static Table Applications(DeskContext ctx, IEnumerable<Application> apps)
    {
        var table = new Table().AddColumns(ctx.T("app.code"), ctx.T("app.id"), ctx.T("app.tenant"), ctx.T("app.category"),
            ctx.T("app.method"), ctx.T("app.status"), ctx.T("app.lacks"), ctx.T("app.next"));
        foreach (var a in apps)
            table.AddRow(Markup.Escape(a.Code), Markup.Escape(a.Id), Markup.Escape(a.Tenant), Markup.Escape(Texts.Category(ctx.Lang, a.Category)),
                Markup.Escape(Texts.Method(ctx.Lang, a.Method)), StatusMarkup(ctx.Lang, a.Status), Markup.Escape(Lacks(ctx.Lang, a.Lacks)),
                Markup.Escape(Step(ctx.Lang, a.NextStep)));
        return table;
    }

    public static Table Queue(DeskContext ctx, IEnumerable<QueueItem> items)
    {
        var table = new Table().AddColumns(ctx.T("app.code"), ctx.T("app.applicant"), ctx.T("app.category"), ctx.T("app.method"),
            ctx.T("queue.queuedAt"), ctx.T("app.status"), ctx.T("app.lacks"), ctx.T("queue.approvals"), ctx.T("app.id"));
        foreach (var i in items)
            table.AddRow(Markup.Escape(i.Code), Markup.Escape($"{i.ApplicantName} ({i.TcknMasked})"), Markup.Escape(Texts.Category(ctx.Lang, i.Category)),
                Markup.Escape(Texts.Method(ctx.Lang, i.Method)), Markup.Escape(When(i.QueuedAt)), StatusMarkup(ctx.Lang, i.Status),
                Markup.Escape(Lacks(ctx.Lang, i.Lacks)), $"{i.Approvals}/{i.ApprovalsRequired}", Markup.Escape(i.ApplicationId));
        return table;
    }

    /// <summary>
    /// The signed receipt's summary: application id, code, form SHA-256, time and verdict, read from the document the
    /// server signed. Fields it does not carry are left out; a document that is not JSON is reported by its size.
    /// </summary>
    public static IReadOnlyList<(string Key, string Value)> ReceiptFields(SignedReceipt? receipt)
    {
        var rows = new List<(string, string)>();
        if (receipt is null || receipt.DocumentJson.IsEmpty)
            return rows;
        try
        {
            using var doc = JsonDocument.Parse(receipt.DocumentJson.Memory);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return [("document", root.GetRawText())];
            string? Text(JsonElement e, string name) =>
                e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
            foreach (var (key, name) in new[] { ("applicationId", "applicationId"), ("code", "applicationCode"), ("formSha256", "formSha256"), ("issuedAt", "issuedAt") })
                if (Text(root, name) is { Length: > 0 } value)
                    rows.Add((key, value));
            if (root.TryGetProperty("verdict", out var verdict) && verdict.ValueKind == JsonValueKind.Object)
            {
                var sub = Text(verdict, "subIndication");
                var policy = Text(verdict, "policyId");
                rows.Add(("verdict", $"{Text(verdict, "indication")}{(string.IsNullOrEmpty(sub) ? "" : " / " + sub)}{(string.IsNullOrEmpty(policy) ? "" : $" ({policy})")}"));
            }
            rows.Add(("signature", $"CMS, {receipt.Signature.Length} bytes"));
        }
        catch (JsonException)
        {
            rows.Add(("document", $"({receipt.DocumentJson.Length} bytes, not JSON)"));
        }
        return rows;
    }

    public static void Receipt(DeskContext ctx, SignedReceipt? receipt)
    {
        var rows = ReceiptFields(receipt);
        if (rows.Count == 0)
            return;
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (k, v) in rows)
            grid.AddRow(Markup.Escape(k), Markup.Escape(v));
        ctx.Out.Write(new Panel(grid).Header(Markup.Escape(ctx.T("receipt.title"))));
    }
}
