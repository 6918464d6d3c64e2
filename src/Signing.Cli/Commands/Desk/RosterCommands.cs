using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Grpc.Core;
using Spectre.Console;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign roster import staff.csv`: an officer sends the HR system's staff file to the directorate's roster.</summary>
internal static class RosterCommands
{
    /// <summary>Rows per stream message: a few hundred bytes each, so a message stays far below the server's 1 MB limit.</summary>
    public const int ChunkRows = 1000;

    public static Command Roster()
    {
        var roster = new Command("roster", "The directorate's staff list (roster), kept from the HR system's file.");
        roster.Subcommands.Add(Import());
        return roster;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("FILE")
        {
            Description = "The HR system's CSV: ';' (Turkish Excel), ',' or tab separated; UTF-8 with or without BOM (Windows-1254 is read " +
                "and reported). Headers: T.C. Kimlik No, Ad Soyad (or Ad + Soyad), Kategori (Yönetici, Doktor, Aile Hekimi, Diğer Personel); " +
                "optional Kurum, E-posta, Telefon, Durum (Aktif/Pasif).",
        };
        var tenant = new Option<string?>("--tenant")
        {
            Description = "The directorate (plate code). Default: your own (an officer imports only into their own).",
            HelpName = "CODE",
        };
        var complete = new Option<bool>("--complete")
        {
            Description = "The file is the whole staff list: active people of the roster missing from it are deactivated.",
        };
        var command = new Command("import", "Send the HR system's staff file to the roster: rows are added or updated, the same file twice changes " +
            "nothing, refused rows are listed with their line and reason. Needs esign login as an officer. Exit code 21 when rows were refused. " +
            DeskExit.SeeHelp)
        {
            file, tenant, complete,
        };
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var path = parse.GetValue(file)!;
                if (!path.Exists)
                    throw new DeskException(DeskExit.BadInput, "roster.noFile", [path.FullName]);
                var read = RosterCsv.Read(File.ReadAllBytes(path.FullName), ctx.Lang);
                if (read.Encoding == RosterCsv.Windows1254)
                    Console.Error.WriteLine(ctx.T("roster.windows1254", path.Name));
                var header = new RosterImportHeader { Tenant = parse.GetValue(tenant)?.Trim() ?? "", Complete = parse.GetValue(complete), Source = path.Name };
                var report = ctx.Step("roster.step.send", () => Send(ctx, header, read.Rows));
                if (ctx.Json)
                    ctx.WriteJson(DeskContext.ToNode(report));
                else
                    Print(ctx, report);
                return report.Refused.Count > 0 ? DeskExit.RowsRefused : DeskExit.Ok;
            });
        });
        return command;
    }

    /// <summary>The header, the rows in chunks, and the server's report once the stream ends.</summary>
    private static RosterImportReport Send(DeskContext ctx, RosterImportHeader header, IReadOnlyList<RosterRow> rows)
    {
        var client = new RosterService.RosterServiceClient(ctx.Channel);
        using var call = client.Import(ctx.Authed());
        try
        {
            call.RequestStream.WriteAsync(new RosterImportRequest { Header = header }).GetAwaiter().GetResult();
            foreach (var chunk in rows.Chunk(ChunkRows))
            {
                var message = new RosterRows();
                message.Rows.AddRange(chunk);
                call.RequestStream.WriteAsync(new RosterImportRequest { Rows = message }).GetAwaiter().GetResult();
            }
            call.RequestStream.CompleteAsync().GetAwaiter().GetResult();
        }
        catch (RpcException)
        {
            // The server answered before the stream ended (a refusal): its status is the call's, read below.
        }
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    private static void Print(DeskContext ctx, RosterImportReport report)
    {
        var counts = new Table().AddColumn(ctx.T("roster.what")).AddColumn(new TableColumn(ctx.T("roster.count")).RightAligned());
        void Count(string key, int n) => counts.AddRow(Markup.Escape(ctx.T(key)), n.ToString(CultureInfo.InvariantCulture));
        Count("roster.received", report.Received);
        Count("roster.added", report.Added);
        Count("roster.changed", report.Changed);
        Count("roster.deactivated", report.Deactivated);
        Count("roster.unchanged", report.Unchanged);
        Count("roster.refused", report.Refused.Count);
        TokenCli.Render(counts);
        if (report.Refused.Count == 0)
            return;
        var refused = new Table().AddColumn(new TableColumn(ctx.T("roster.row")).RightAligned()).AddColumn("TCKN")
            .AddColumn(ctx.T("roster.field")).AddColumn(ctx.T("roster.reason"));
        foreach (var r in report.Refused)
            refused.AddRow(r.Row.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.TcknMasked), Markup.Escape(r.Field), Markup.Escape(r.Reason));
        TokenCli.Render(refused);
        Console.Error.WriteLine(ctx.T("roster.refusedNext", report.Refused.Count));
    }
}
