using System.CommandLine;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Signing.Cli.Commands;
using Signing.Cli.Commands.Desk;
using RpcStatus = Google.Rpc.Status;

namespace Signing.Demo.Tests;

/// <summary>The desk pieces that need no server: option parsing, error rendering from google.rpc.Status, the session file.</summary>
public sealed class CliPiecesTests
{
    private static ParseResult Parse(Command command, string line)
    {
        var root = new RootCommand { command };
        return root.Parse(line);
    }

    [Fact]
    public void Apply_parses_category_method_tenant_and_contact()
    {
        var parse = Parse(ApplyCommand.Create(),
            "apply --category family-physician --method wet --tenant 01 --email a@b.example --phone 123 --address Adana --institution ASM --request-id r-1");
        Assert.Empty(parse.Errors);
        var apply = (Command)parse.CommandResult.Command;
        Assert.Equal("apply", apply.Name);
        Assert.Equal("family-physician", parse.GetValue<string?>("--category"));
        Assert.Equal("wet", parse.GetValue<string>("--method"));
        Assert.Equal("01", parse.GetValue<string>("--tenant"));
        Assert.Equal("r-1", parse.GetValue<string?>("--request-id"));
        Assert.Equal(Signing.Contracts.V1.ApplicantCategory.FamilyPhysician, ApplyCommand.ParseCategory("family-physician"));
    }

    [Theory]
    [InlineData("apply --method esign")]                       // --category is required
    [InlineData("apply --category pilot")]                     // not a category
    [InlineData("apply --category doctor --method fax")]       // not a method
    public void Apply_refuses_bad_options(string line) => Assert.NotEmpty(Parse(ApplyCommand.Create(), line).Errors);

    [Fact]
    public void Apply_defaults_to_esign_and_takes_the_tenant_from_the_environment_not_a_built_in_code()
    {
        var previous = Environment.GetEnvironmentVariable("ESIGN_TENANT");
        try
        {
            Environment.SetEnvironmentVariable("ESIGN_TENANT", null);
            var parse = Parse(ApplyCommand.Create(), "apply --category doctor");
            Assert.Empty(parse.Errors);
            Assert.Equal("esign", parse.GetValue<string>("--method"));
            Assert.Null(parse.GetValue<string?>("--tenant"));
            Environment.SetEnvironmentVariable("ESIGN_TENANT", "01");
            Assert.Equal("01", Parse(ApplyCommand.Create(), "apply --category doctor").GetValue<string?>("--tenant"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ESIGN_TENANT", previous);
        }
    }

    [Fact]
    public void Apply_without_a_tenant_anywhere_asks_for_it_and_without_an_answer_names_the_option()
    {
        var dir = Directory.CreateTempSubdirectory("esign-tenant-");
        var previous = (Environment.GetEnvironmentVariable("ESIGN_TENANT"), Environment.GetEnvironmentVariable("ESIGN_PROFILE_DIR"));
        var (error, input) = (Console.Error, Console.In);
        var captured = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("ESIGN_TENANT", null);
            Environment.SetEnvironmentVariable("ESIGN_PROFILE_DIR", dir.FullName);
            Console.SetError(captured);
            Console.SetIn(new StringReader("")); // on a terminal the question gets no answer; off one it is not asked
            var form = Path.Combine(dir.FullName, "form.json");
            var exit = new RootCommand { ApplyCommand.Create() }
                .Parse($"apply --category doctor --method wet --form-out {form} --tckn 12345678950 --given-names Ayşe --surname Yılmaz " +
                       "--email a@b.example --phone 1 --address Mersin --institution H --lang en")
                .Invoke();
            Assert.Equal(DeskExit.BadInput, exit);
            Assert.Contains("--tenant", captured.ToString());
            Assert.False(File.Exists(form));
        }
        finally
        {
            Console.SetError(error);
            Console.SetIn(input);
            Environment.SetEnvironmentVariable("ESIGN_TENANT", previous.Item1);
            Environment.SetEnvironmentVariable("ESIGN_PROFILE_DIR", previous.Item2);
            dir.Delete(true);
        }
    }

    [Theory]
    [InlineData("--method wet --form-out {0}/form.json --receipt-out {0}/r.json")] // --form-out submits nothing
    [InlineData("--method wet --receipt-out {0}/no-such-directory/r.json")]
    [InlineData("--method wet --receipt-out {0}/r.p7s")]                          // the signature would overwrite the document
    [InlineData("--method wet --receipt-out {0}")]                                // a directory
    public void Apply_refuses_a_receipt_out_it_cannot_honour_before_anything_is_sent(string options)
    {
        var dir = Directory.CreateTempSubdirectory("esign-receipt-out-");
        var previous = Environment.GetEnvironmentVariable("ESIGN_PROFILE_DIR");
        Environment.SetEnvironmentVariable("ESIGN_PROFILE_DIR", dir.FullName); // no session: a check after sign-in would say so instead
        try
        {
            var exit = new RootCommand { ApplyCommand.Create() }
                .Parse($"apply --category doctor --server http://127.0.0.1:9 --tckn 12345678950 --given-names Ayşe --surname Yılmaz " +
                       string.Format(System.Globalization.CultureInfo.InvariantCulture, options, dir.FullName))
                .Invoke();
            Assert.Equal(DeskExit.BadInput, exit);
            Assert.Empty(Directory.GetFileSystemEntries(dir.FullName, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ESIGN_PROFILE_DIR", previous);
            dir.Delete(true);
        }
    }

    [Fact]
    public void Delivery_record_knows_the_lifecycle_events_and_refuses_others()
    {
        var ok = Parse(DeliveryCommands.Delivery(), "delivery record 5f0c6f2e-0000-4000-8000-000000000001 --event returned --detail \"kimse yok\" --api-key-env K");
        Assert.Empty(ok.Errors);
        Assert.Equal("returned", ok.GetValue<string>("--event"));
        Assert.Equal(Signing.Contracts.V1.DeliveryEvent.Returned, DeliveryCommands.DeliveryEvents["returned"]);
        Assert.NotEmpty(Parse(DeliveryCommands.Delivery(), "delivery record X --event lost").Errors);
        Assert.NotEmpty(Parse(DeliveryCommands.Delivery(), "delivery record X").Errors);
    }

    [Fact]
    public void Reject_requires_a_reason_and_approve_does_not()
    {
        Assert.NotEmpty(Parse(OfficerCommands.Reject(), "reject 5f0c6f2e-0000-4000-8000-000000000001").Errors);
        Assert.Empty(Parse(OfficerCommands.Reject(), "reject 5f0c6f2e-0000-4000-8000-000000000001 --reason eksik").Errors);
        Assert.Empty(Parse(OfficerCommands.Approve(), "approve 5f0c6f2e-0000-4000-8000-000000000001 --pin-env P").Errors);
    }

    [Theory]
    [InlineData("780", "780.00")]
    [InlineData("780.00", "780.00")]
    [InlineData("780,00", "780.00")]
    [InlineData("1 250,5", "1250.50")]
    public void Receipt_amounts_are_normalised(string given, string expected) =>
        Assert.Equal(expected, ApplicationCommands.ParseAmount(given));

    [Theory]
    [InlineData("78.001")]
    [InlineData("-780")]
    [InlineData("yediyüzseksen")]
    public void Bad_receipt_amounts_are_usage_errors(string given) =>
        Assert.Throws<UsageException>(() => ApplicationCommands.ParseAmount(given));

    [Fact]
    public void Receipt_dates_must_be_iso()
    {
        Assert.Equal("2026-11-25", ApplicationCommands.ParseDate("2026-11-25"));
        Assert.Throws<UsageException>(() => ApplicationCommands.ParseDate("25.11.2026"));
    }

    private static RpcStatus MustESignStatus()
    {
        var status = new RpcStatus
        {
            Code = (int)StatusCode.FailedPrecondition,
            Message = "a family physician with a valid NES must e-sign",
        };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = "confirmation.family_physician_must_esign", Domain = "esign.v1" }));
        status.Details.Add(Any.Pack(new LocalizedMessage { Locale = "tr-TR", Message = "geçerli NES'i olan aile hekimi e-imza ile başvurmalı" }));
        status.Details.Add(Any.Pack(new PreconditionFailure
        {
            Violations = { new PreconditionFailure.Types.Violation { Type = "confirmation.family_physician_must_esign", Subject = "current_certificate", Description = "NES valid for 45 more days" } },
        }));
        return status;
    }

    [Fact]
    public void A_rule_refusal_renders_in_Turkish_with_what_to_do_next_and_exit_7()
    {
        var report = ErrorReport.FromRpc(MustESignStatus().ToRpcException(), Lang.Tr);
        Assert.Equal(DeskExit.Refused, report.ExitCode);
        Assert.Equal("confirmation.family_physician_must_esign", report.Reason);
        Assert.Equal("geçerli NES'i olan aile hekimi e-imza ile başvurmalı", report.Message);
        Assert.Contains("current_certificate: NES valid for 45 more days", report.Details);
        Assert.Equal(Texts.Get(Lang.Tr, "next.mustESign"), report.Next);

        var err = new StringWriter();
        var @out = new StringWriter();
        var exit = DeskContext.Render(report, json: true, Lang.Tr, err, @out);
        Assert.Equal(7, exit);
        Assert.Contains("Ne yapmalı: ", err.ToString());
        using var doc = JsonDocument.Parse(@out.ToString());
        Assert.Equal(7, doc.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal("confirmation.family_physician_must_esign", doc.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void English_shows_the_servers_English_message()
    {
        var report = ErrorReport.FromStatus(MustESignStatus(), Lang.En);
        Assert.Equal("a family physician with a valid NES must e-sign", report.Message);
        Assert.StartsWith("your NES is still valid", report.Next);
    }

    [Fact]
    public void Field_violations_are_listed_and_are_bad_input()
    {
        var status = new RpcStatus { Code = (int)StatusCode.InvalidArgument, Message = "email: required" };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = "INVALID_ARGUMENT" }));
        status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "form.email", Description = "required" } } }));
        var report = ErrorReport.FromStatus(status, Lang.En);
        Assert.Equal(DeskExit.BadInput, report.ExitCode);
        Assert.Equal(["form.email: required"], report.Details);
    }

    [Theory]
    [InlineData(StatusCode.Unauthenticated, DeskExit.NotSignedIn, "run: esign login")]
    [InlineData(StatusCode.PermissionDenied, DeskExit.PermissionDenied, null)]
    [InlineData(StatusCode.NotFound, DeskExit.NotFound, null)]
    [InlineData(StatusCode.Aborted, DeskExit.Conflict, null)]
    [InlineData(StatusCode.Unavailable, DeskExit.Unreachable, null)]
    [InlineData(StatusCode.Internal, DeskExit.Unexpected, null)]
    public void Bare_statuses_map_to_exit_codes(StatusCode code, int exit, string? next)
    {
        var report = ErrorReport.FromRpc(new RpcException(new Grpc.Core.Status(code, "x")), Lang.En);
        Assert.Equal(exit, report.ExitCode);
        if (next is not null)
            Assert.Equal(next, report.Next);
    }

    [Fact]
    public void A_version_conflict_reason_is_exit_9_whatever_the_code()
    {
        var status = new RpcStatus { Code = (int)StatusCode.FailedPrecondition, Message = "changed" };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = Signing.Domain.ErrorCodes.Concurrency }));
        Assert.Equal(DeskExit.Conflict, ErrorReport.FromStatus(status, Lang.Tr).ExitCode);
    }

    [Fact]
    public void Every_text_has_both_languages()
    {
        foreach (var key in Texts.Keys)
        {
            Assert.False(string.IsNullOrWhiteSpace(Texts.Get(Lang.Tr, key, "a", "b", "c", "d", DateTime.UnixEpoch)), key);
            Assert.False(string.IsNullOrWhiteSpace(Texts.Get(Lang.En, key, "a", "b", "c", "d", DateTime.UnixEpoch)), key);
        }
    }

    [Fact]
    public void The_session_file_round_trips_and_is_owner_only()
    {
        var dir = Path.Combine(Path.GetTempPath(), "esign-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new SessionStore(dir);
            var session = new DeskSession
            {
                Server = "http://127.0.0.1:5080",
                AccessToken = "tok-123",
                ExpiresAt = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero),
                TokenLabel = "doctor",
                Name = "Ayşe Yılmaz",
                TcknMasked = "123******50",
                Roles = ["applicant"],
            };
            store.Save(session);
            store.Save(session with { AccessToken = "tok-456" });
            var loaded = store.Load();
            Assert.NotNull(loaded);
            Assert.Equal("tok-456", loaded.AccessToken);
            Assert.Equal(session.ExpiresAt, loaded.ExpiresAt);
            Assert.Equal("Ayşe Yılmaz", loaded.Name);
            Assert.Equal(["applicant"], loaded.Roles);
            // The bearer token is a credential: owner-only file (0600) in an owner-only directory (0700).
            Assert.False(OperatingSystem.IsWindows(), "this product's desk runs on Linux; the mode check needs it");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            }
            Assert.True(loaded.IsExpired(session.ExpiresAt));
            Assert.False(loaded.IsExpired(session.ExpiresAt.AddSeconds(-1)));
            Assert.True(store.Delete());
            Assert.Null(store.Load());
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_damaged_session_file_says_sign_in_again()
    {
        var dir = Directory.CreateTempSubdirectory("esign-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, SessionStore.FileName), "{ not json");
            var e = Assert.Throws<DeskException>(() => new SessionStore(dir).Load());
            Assert.Equal(DeskExit.NotSignedIn, e.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_profile_directory_follows_ESIGN_PROFILE_DIR_then_XDG_then_home()
    {
        Assert.Equal("/p", SessionStore.DefaultDirectory(n => n == "ESIGN_PROFILE_DIR" ? "/p" : n == "XDG_CONFIG_HOME" ? "/x" : "/h"));
        Assert.Equal(Path.Combine("/x", "esign"), SessionStore.DefaultDirectory(n => n == "XDG_CONFIG_HOME" ? "/x" : n == "HOME" ? "/h" : null));
        Assert.Equal(Path.Combine("/h", ".config", "esign"), SessionStore.DefaultDirectory(n => n == "HOME" ? "/h" : null));
    }

    [Fact]
    public void The_form_takes_TCKN_and_name_from_the_certificate_subject()
    {
        // The hsm-sim world's certificate of Gülşen Çelik (CN + serialNumber, no GIVENNAME/SURNAME, as Kamu SM writes them).
        Signing.TestKit.LocalWorld.EnsureBuilt("HsmSim", () => File.Exists(Signing.TestKit.LocalWorld.ManifestPath));
        var pem = Path.Combine(Path.GetDirectoryName(Signing.TestKit.LocalWorld.ManifestPath)!, "certs", "fp-expiring.pem");
        var certificate = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(pem));
        Assert.Equal("40618273540", FormFacts.Tckn(certificate));
        Assert.Equal(("Gülşen", "Çelik"), FormFacts.Names(certificate));
    }
}
