using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Spectre.Console;
using Signing.Contracts.V1;
using Signing.Tokens;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign login`, `esign logout`, `esign whoami`, `esign check`.</summary>
internal static class SessionCommands
{
    public static Command Login()
    {
        var command = new Command("login",
            "Sign in with the card: the server's challenge is signed on the token (PIN prompt without echo, or --pin-env/--pin-stdin); " +
            "the session is kept in the profile ($ESIGN_PROFILE_DIR, else $XDG_CONFIG_HOME/esign or ~/.config/esign, mode 600) until it expires. " +
            DeskExit.SeeHelp);
        var o = DeskOptions.AddTo(command);
        var card = CardOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                using var token = ctx.OpenCard(parse, card);
                var key = token.GetSigningKey();
                var certificates = new CertificateService.CertificateServiceClient(ctx.Channel);
                var sessions = new SessionService.SessionServiceClient(ctx.Channel);
                var challenge = ctx.Step("step.challenge", () => certificates.CreateChallenge(new CreateChallengeRequest(), ctx.Call()));
                var proof = ctx.Step("step.prove", () => new ProofOfPossession(key).Sign(challenge.Nonce.ToByteArray()));
                var response = sessions.SignIn(new SignInRequest
                {
                    ChallengeId = challenge.ChallengeId,
                    ProofOfPossession = ByteString.CopyFrom(proof),
                }, ctx.Call());
                var session = new DeskSession
                {
                    Server = ctx.Server,
                    AccessToken = response.AccessToken,
                    ExpiresAt = response.ExpiresAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow.AddHours(1),
                    TokenLabel = token.Label,
                    Name = response.Identity?.Name,
                    TcknMasked = response.Identity?.TcknMasked,
                    Roles = response.Identity?.Roles.ToList() ?? [],
                    Tenant = response.Identity?.Tenant is { Length: > 0 } t ? t : null,
                };
                ctx.Sessions.Save(session);
                if (ctx.Json)
                    ctx.WriteJson(new JsonObject
                    {
                        ["server"] = session.Server,
                        ["token"] = session.TokenLabel,
                        ["expiresAt"] = session.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                        ["identity"] = response.Identity is null ? null : DeskContext.ToNode(response.Identity),
                        ["profile"] = ctx.Sessions.FilePath,
                    });
                else
                    ctx.Line(ctx.T("login.ok", session.Name, session.TcknMasked, string.Join(", ", session.Roles),
                        session.Tenant is null ? "" : ctx.T("login.tenant", session.Tenant), session.ExpiresAt.UtcDateTime));
                return DeskExit.Ok;
            });
        });
        return command;
    }

    public static Command Logout()
    {
        var command = new Command("logout", "Forget the stored session (the profile's session file). " + DeskExit.SeeHelp);
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var removed = ctx.Sessions.Delete();
                if (ctx.Json)
                    ctx.WriteJson(new JsonObject { ["signedOut"] = removed, ["profile"] = ctx.Sessions.FilePath });
                else
                    ctx.Line(removed ? ctx.T("logout.ok", ctx.Sessions.FilePath) : ctx.T("logout.none"));
                return DeskExit.Ok;
            });
        });
        return command;
    }

    public static Command WhoAmI()
    {
        var command = new Command("whoami", "Who the server says you are (name, masked TCKN, roles, tenant) and when the session ends. " + DeskExit.SeeHelp);
        var o = DeskOptions.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var session = ctx.RequireSession();
                var me = new SessionService.SessionServiceClient(ctx.Channel).WhoAmI(new WhoAmIRequest(), ctx.Authed());
                if (ctx.Json)
                {
                    var node = DeskContext.ToNode(me);
                    node["expiresAt"] = session.ExpiresAt.ToString("O", CultureInfo.InvariantCulture);
                    node["server"] = session.Server;
                    node["token"] = session.TokenLabel;
                    ctx.WriteJson(node);
                    return DeskExit.Ok;
                }
                var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
                void Row(string key, string value) => grid.AddRow($"[bold]{Markup.Escape(ctx.T(key))}[/]", Markup.Escape(value));
                Row("whoami.name", me.Name);
                Row("whoami.tckn", me.TcknMasked);
                Row("whoami.roles", string.Join(", ", me.Roles));
                if (me.Tenant.Length > 0)
                    Row("whoami.tenant", me.Tenant);
                Row("whoami.expires", session.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
                Row("whoami.server", session.Server);
                if (session.TokenLabel is not null)
                    Row("whoami.token", session.TokenLabel);
                ctx.Out.Write(grid);
                return DeskExit.Ok;
            });
        });
        return command;
    }

    public static Command Check()
    {
        var command = new Command("check",
            "Read the signing certificate from the card, prove possession of its key to the server, and show its status, " +
            "days left and the renewal steps for your category. No sign-in needed. " + DeskExit.SeeHelp);
        var o = DeskOptions.AddTo(command);
        var card = CardOptions.AddTo(command);
        var category = ApplyCommand.CategoryOption(required: false);
        var tenant = new Option<string?>("--tenant") { Description = "Province code whose fee, IBAN and desk the steps use (e.g. 33).", HelpName = "CODE" };
        command.Options.Add(category);
        command.Options.Add(tenant);
        command.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                using var token = ctx.OpenCard(parse, card);
                var key = token.GetSigningKey();
                var client = new CertificateService.CertificateServiceClient(ctx.Channel);
                var challenge = ctx.Step("step.challenge", () => client.CreateChallenge(new CreateChallengeRequest(), ctx.Call()));
                var proof = ctx.Step("step.prove", () => new ProofOfPossession(key).Sign(challenge.Nonce.ToByteArray()));
                var request = new CheckCertificateRequest
                {
                    Certificate = ByteString.CopyFrom(key.Certificate.GetEncoded()),
                    ChallengeId = challenge.ChallengeId,
                    ProofOfPossession = ByteString.CopyFrom(proof),
                    Category = ApplyCommand.ParseCategory(parse.GetValue(category)) ?? ApplicantCategory.Unspecified,
                    Tenant = parse.GetValue(tenant) ?? "",
                };
                if (FormFacts.Tckn(key.Certificate) is { } tckn)
                    request.ExpectedTckn = tckn;
                var response = client.CheckCertificate(request, ctx.Call());
                if (ctx.Json)
                {
                    ctx.WriteJson(DeskContext.ToNode(response));
                    return DeskExit.Ok;
                }
                var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
                void Row(string k, string markup) => grid.AddRow($"[bold]{Markup.Escape(ctx.T(k))}[/]", markup);
                var statusText = Markup.Escape(Texts.HolderStatus(ctx.Lang, response.Status));
                Row("check.status", response.Status switch
                {
                    HolderStatus.Valid => $"[green]{statusText}[/]",
                    HolderStatus.Expiring => $"[yellow]{statusText}[/]",
                    _ => $"[red]{statusText}[/]",
                });
                Row("check.notAfter", Markup.Escape(Views.When(response.NotAfter)));
                Row("check.daysLeft", response.DaysLeft.ToString(CultureInfo.InvariantCulture));
                if (response.Verdict is { } v)
                    Row("check.verdict", Markup.Escape($"{v.Indication}{(v.SubIndication.Length > 0 ? " / " + v.SubIndication : "")} — {v.SignerName} ({v.SignerTcknMasked})"));
                ctx.Out.Write(grid);
                if (response.Steps.Count > 0)
                {
                    ctx.Line(ctx.T("check.steps") + ":");
                    var n = 0;
                    foreach (var step in response.Steps)
                        ctx.Line($"  {++n}. {Views.Step(ctx.Lang, step)}");
                }
                return DeskExit.Ok;
            });
        });
        return command;
    }
}
