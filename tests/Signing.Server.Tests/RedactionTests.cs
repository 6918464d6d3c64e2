using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signing.Contracts.V1;
using Signing.Server.Errors;
using Signing.Server.Logging;
using Signing.Server.Tests.Infrastructure;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Tests;

/// <summary>
/// No full TCKN leaves the server in a refusal or a log line, whoever wrote the text: the wrong-holder check (whose reason
/// names both numbers), sign-in, submissions, and the logging layer and error mapping on their own.
/// </summary>
public sealed partial class RedactionTests(SigningServer server) : IClassFixture<SigningServer>
{
    /// <summary>What the acceptance greps a run's log for; a hit that is a valid TCKN is a leak.</summary>
    [GeneratedRegex("[1-9][0-9]{10}")]
    private static partial Regex ElevenDigits();

    private static IReadOnlyList<string> TcknsIn(string text) =>
        ElevenDigits().Matches(text).Select(m => m.Value).Where(Tckn.IsValid).ToList();

    private static string TextOf(RpcException e)
    {
        var parts = new List<string> { e.Status.Detail };
        if (e.GetRpcStatus() is { } status)
        {
            parts.Add(status.Message);
            if (status.GetDetail<ErrorInfo>() is { } info)
                parts.AddRange(info.Metadata.Values);
            if (status.GetDetail<LocalizedMessage>() is { } localized)
                parts.Add(localized.Message);
            if (status.GetDetail<BadRequest>() is { } bad)
                parts.AddRange(bad.FieldViolations.Select(v => v.Description));
            if (status.GetDetail<PreconditionFailure>() is { } failure)
                parts.AddRange(failure.Violations.SelectMany(v => new[] { v.Subject, v.Description }));
        }
        return string.Join("\n", parts);
    }

    private string LogText() => string.Join("\n", server.Logs.Entries.Select(e => e.Message + (e.Exception is null ? "" : "\n" + e.Exception)));

    [Theory]
    [InlineData("tr")]
    [InlineData("en")]
    public async Task A_wrong_holder_refusal_and_its_log_line_carry_no_full_TCKN(string language)
    {
        var fp = await server.SignInAsync("fp-expired");
        fp.Add("accept-language", language);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await server.Applications().SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expired", server.NewTenant(), ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
        }, fp));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var text = TextOf(e);
        Assert.Contains("WrongHolder", text); // the refusal still says why
        Assert.Empty(TcknsIn(text));
        var log = LogText();
        Assert.Contains("CURRENT_CERTIFICATE_REFUSED", log); // the refusal was logged
        Assert.DoesNotContain(Cards.Tckn("doctor"), log);
        Assert.DoesNotContain(Cards.Tckn("fp-expired"), log);
    }

    [Fact]
    public async Task The_log_of_sign_in_wrong_holder_checks_and_submissions_has_no_TCKN()
    {
        var tenant = server.NewTenant();
        var manager = await server.SignInAsync("manager");
        await server.Sessions().WhoAmIAsync(new WhoAmIRequest(), manager);
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var check = await server.Certificates().CheckCertificateAsync(new CheckCertificateRequest
        {
            Certificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor", challenge.Nonce.ToByteArray())),
            ExpectedTckn = Cards.Tckn("manager"),
        });
        Assert.Equal(HolderStatus.WrongHolder, check.Status);
        Assert.Empty(TcknsIn(check.ToString()));
        await server.Applications().SubmitESignedAsync(Cards.ESigned("manager", Cards.Form("manager", tenant, ApplicantCategory.Manager)), manager);
        await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), tenant));
        // Someone else's form, signed by the manager: refused with both numbers in play.
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await server.Applications().SubmitESignedAsync(
            Cards.ESigned("manager", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), manager));
        Assert.Empty(TcknsIn(TextOf(refused)));

        var leaks = TcknsIn(LogText());
        Assert.True(leaks.Count == 0, "full TCKNs in the server log: " + string.Join(", ", leaks.Select(Tckn.Mask)));
        Assert.Contains(Tckn.Mask(Cards.Tckn("manager")), LogText()); // the lines are there, masked
    }

    [Fact]
    public void The_logging_layer_masks_the_message_its_values_and_the_exception_whatever_the_call_site()
    {
        var states = new CapturingStates();
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).AddProvider(states).SetMinimumLevel(LogLevel.Trace));
        services.AddTcknRedaction();
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILogger<RedactionTests>>();

        // Written carelessly on purpose: a TCKN in the template itself, as a parameter, as a number, inside an exception.
        const string tckn = "12345678950";
        logger.LogWarning(new InvalidOperationException("no certificate for TCKN" + tckn),
            "holder " + tckn + " is {Holder}, serial {Serial}, amount {Amount}", "TR" + tckn, 12345678950L, 1234567890L);

        var (_, _, message, exception) = Assert.Single(logs.Entries);
        Assert.Equal("holder 123******** is TR123********, serial 123********, amount 1234567890", message);
        Assert.DoesNotContain(tckn, exception!.ToString());
        Assert.Contains("123********", exception.ToString());
        var values = Assert.Single(states.Values);
        Assert.DoesNotContain(values, v => (v.Value?.ToString() ?? "").Contains(tckn));
        Assert.Contains(values, v => v is { Key: "Holder", Value: "TR123********" });
    }

    [Fact]
    public void A_refusal_is_masked_in_every_text_and_metadata_value_whoever_built_it()
    {
        const string tckn = "12345678950";
        var error = new ServiceError(StatusCode.FailedPrecondition, Signing.Domain.ErrorCodes.NotFound, "message " + tckn, "mesaj " + tckn,
            [new FieldViolation("form.tckn", "field " + tckn, "alan " + tckn)], [new PreconditionViolation("type", "subject/" + tckn, "why " + tckn)],
            new Dictionary<string, string> { ["holder"] = tckn });

        foreach (var english in new[] { false, true })
        {
            var e = ErrorInterceptor.ToRpcException(error, english);
            var text = TextOf(e);
            Assert.DoesNotContain(tckn, text);
            Assert.DoesNotContain(tckn, e.Status.Detail);
            Assert.Contains("123********", text);
        }
    }

    /// <summary>Keeps each log call's structured values, as a JSON console formatter would write them.</summary>
    private sealed class CapturingStates : ILoggerProvider
    {
        public List<IReadOnlyList<KeyValuePair<string, object?>>> Values { get; } = [];
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(CapturingStates owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Values.Add(state is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToList() : []);
        }
    }
}
