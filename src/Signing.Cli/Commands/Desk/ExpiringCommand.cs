using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign expiring`: whose NES ends soon in the officer's directorate, and how many per category and stage.</summary>
internal static class ExpiringCommand
{
    public const int DefaultWithin = 90, DefaultLimit = 1000;
    private const int PageSize = 200;

    private static readonly Dictionary<string, StaffCategory> Categories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["manager"] = StaffCategory.Manager,
        ["doctor"] = StaffCategory.Doctor,
        ["family-physician"] = StaffCategory.FamilyPhysician,
        ["other-staff"] = StaffCategory.OtherStaff,
    };

    public static Command Create()
    {
        var within = new Option<int>("--within")
        {
            Description = $"Days ahead: people whose NES ends within this many days (1..365, default {DefaultWithin}).",
            DefaultValueFactory = _ => DefaultWithin,
            HelpName = "DAYS",
        };
        within.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 365)
                r.AddError("--within: 1..365 days");
        });
        var category = new Option<string?>("--category")
        {
            Description = "Only this roster category: manager (Yönetici), doctor (Doktor), family-physician (Aile Hekimi), other-staff (Diğer Personel).",
            HelpName = "manager|doctor|family-physician|other-staff",
        }.AcceptOnlyFromAmong([.. Categories.Keys]);
        var stats = new Option<bool>("--stats") { Description = "Print the counts (by category, by reminder stage reached) instead of the list." };
        var limit = new Option<int>("--limit")
        {
            Description = $"At most this many people are listed (default {DefaultLimit}); a note says when more remain.",
            DefaultValueFactory = _ => DefaultLimit,
            HelpName = "N",
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
                r.AddError("--limit: at least 1");
        });
        var command = new Command("expiring",
            "Whose NES ends soon? The directorate's people (roster and certificates seen) whose NES ends within N days, soonest " +
            "first, with days left, the renewal if one is open, and the last reminder sent. Officers only (esign login first). " + DeskExit.SeeHelp)
        {
            within, category, stats, limit,
        };
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var client = new ExpiryService.ExpiryServiceClient(ctx.Channel);
                var days = parse.GetValue(within);
                if (parse.GetValue(stats))
                    return Stats(ctx, client.GetExpiringStats(new GetExpiringStatsRequest { WithinDays = days }, ctx.Authed()));
                var wanted = parse.GetValue(category) is { } c ? Categories[c] : StaffCategory.Unspecified;
                var max = parse.GetValue(limit);
                var people = new List<ExpiringPerson>();
                var cursor = "";
                do
                {
                    var page = client.ListExpiring(new ListExpiringRequest
                    {
                        WithinDays = days,
                        Category = wanted,
                        Page = new PageRequest { PageSize = Math.Min(PageSize, max - people.Count), Cursor = cursor },
                    }, ctx.Authed());
                    people.AddRange(page.People);
                    cursor = page.NextCursor;
                } while (cursor.Length > 0 && people.Count < max);
                var more = cursor.Length > 0;
                if (ctx.Json)
                {
                    ctx.WriteJson(new JsonObject
                    {
                        ["withinDays"] = days,
                        ["people"] = new JsonArray([.. people.Select(p => DeskContext.ToNode(p))]),
                        ["more"] = more,
                    });
                    return DeskExit.Ok;
                }
                if (people.Count == 0)
                {
                    ctx.Line(ctx.T("expiring.none", days));
                    return DeskExit.Ok;
                }
                TokenCli.Render(Table(ctx, people));
                ctx.Line(more ? ctx.T("expiring.more", people.Count, days) : ctx.T("expiring.count", people.Count, days));
                return DeskExit.Ok;
            });
        });
        return command;
    }

    internal static Table Table(DeskContext ctx, IEnumerable<ExpiringPerson> people)
    {
        var table = new Table().AddColumns(ctx.T("whoami.tckn"), ctx.T("whoami.name"), ctx.T("app.category"), ctx.T("expiring.institution"),
            ctx.T("check.notAfter"), ctx.T("check.daysLeft"), ctx.T("expiring.renewal"), ctx.T("expiring.reminder"));
        table.Columns[5].RightAligned();
        foreach (var p in people)
        {
            var category = Texts.Staff(ctx.Lang, p.Category) + (p.OnRoster ? "" : " " + ctx.T("expiring.notOnRoster"));
            var renewal = p.RenewalOpen ? Views.StatusMarkup(ctx.Lang, p.ApplicationStatus) : "—";
            var days = p.DaysLeft <= 7 ? $"[red]{p.DaysLeft}[/]" : p.DaysLeft <= 30 ? $"[yellow]{p.DaysLeft}[/]" : p.DaysLeft.ToString(CultureInfo.InvariantCulture);
            table.AddRow(Markup.Escape(p.TcknMasked), Markup.Escape(p.Name), Markup.Escape(category), Markup.Escape(p.Institution.Length > 0 ? p.Institution : "—"),
                Markup.Escape(p.NotAfter?.ToDateTimeOffset().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""), days, renewal,
                p.LastReminderStage > 0 ? Markup.Escape(ctx.T("expiring.stage", p.LastReminderStage)) : "—");
        }
        return table;
    }

    private static int Stats(DeskContext ctx, ExpiringStats stats)
    {
        if (ctx.Json)
        {
            ctx.WriteJson(DeskContext.ToNode(stats));
            return DeskExit.Ok;
        }
        ctx.Line(ctx.T("expiring.statsTotal", stats.Total, stats.WithinDays));
        var categories = new Table().AddColumns(ctx.T("app.category"), ctx.T("expiring.people"), ctx.T("expiring.renewalOpen"));
        foreach (var c in stats.ByCategory)
            categories.AddRow(Markup.Escape(Texts.Staff(ctx.Lang, c.Category)), c.Expiring.ToString(CultureInfo.InvariantCulture), c.RenewalOpen.ToString(CultureInfo.InvariantCulture));
        TokenCli.Render(categories);
        var stages = new Table().AddColumns(ctx.T("expiring.stageReached"), ctx.T("expiring.people"));
        foreach (var s in stats.ByStage)
            stages.AddRow(Markup.Escape(s.StageDays > 0 ? ctx.T("expiring.stage", s.StageDays) : ctx.T("expiring.noStage")), s.People.ToString(CultureInfo.InvariantCulture));
        TokenCli.Render(stages);
        if (stats.Reminders is { } r)
            ctx.Line(ctx.T("expiring.reminders", r.Sent, r.Pending, r.Retrying, r.Failed, r.Cancelled));
        return DeskExit.Ok;
    }
}
