using System.Text;
using System.Threading.Channels;
using Signing.Tokens;

namespace Signing.Cli.Commands.Agent;

/// <summary>The person's answer to one request: a PIN source to sign with, a refusal, or silence.</summary>
internal abstract record Answer
{
    public sealed record Sign(IPinSource Pin) : Answer;
    public sealed record Refused : Answer;
    public sealed record TimedOut : Answer;
}

/// <summary>
/// The agent's own screen: what will be signed, read from the signed bytes, then the PIN — asked here, so the page never
/// sees it. On a terminal the PIN is read without echo; with stdin redirected one line is read (an empty line refuses).
/// </summary>
internal sealed class AgentConsole
{
    public const string WarningLine =
        "WARNING: esign agent --approve-without-asking-for-tests signs this request WITHOUT asking anyone — for tests only.";

    private readonly TextWriter _screen;
    private readonly string? _autoApprovePinEnv;
    private readonly TimeSpan _timeout;
    private readonly Channel<string?>? _lines;

    public AgentConsole(TextWriter screen, string? autoApprovePinEnv, TimeSpan timeout)
    {
        _screen = screen;
        _autoApprovePinEnv = autoApprovePinEnv;
        _timeout = timeout;
        if (autoApprovePinEnv is null && Console.IsInputRedirected)
        {
            // One reader for the agent's life: a blocked ReadLine cannot be cancelled, so a timed-out prompt leaves it
            // waiting for the next prompt instead of stealing that prompt's line.
            _lines = Channel.CreateUnbounded<string?>();
            var reader = new Thread(() =>
            {
                string? line;
                do
                {
                    line = Console.In.ReadLine();
                    _lines.Writer.TryWrite(line);
                } while (line is not null);
                _lines.Writer.TryComplete(); // every later prompt reads the end of input too, not a timeout
            }) { IsBackground = true, Name = "esign-agent-stdin" };
            reader.Start();
        }
    }

    public static void WriteStartWarning(TextWriter screen) => screen.WriteLine(
        """

        ################################################################################
        #  WARNING — esign agent runs with --approve-without-asking-for-tests           #
        #  It signs EVERY well-formed request with the card WITHOUT asking anyone.      #
        #  The PIN comes from an environment variable. NEVER use this outside tests.    #
        #  UYARI — bu mod her isteği KİMSEYE SORMADAN imzalar; yalnızca testler için.   #
        ################################################################################

        """);

    public async Task<Answer> AskAsync(string origin, SignRequest request, string card, CancellationToken cancel)
    {
        if (_autoApprovePinEnv is not null)
        {
            _screen.WriteLine(WarningLine);
            return new Answer.Sign(PinSources.FromEnvironment(_autoApprovePinEnv));
        }
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine("──────── esign agent: a page asks for your signature / Bir sayfa imzanızı istiyor ────────");
        Row(text, "From / İsteyen", origin);
        switch (request)
        {
            case SignInRequest:
                Row(text, "What / Ne", "Sign in to the desk with your card / Kartla masaya giriş");
                break;
            case DecisionRequest { View: var v }:
                Row(text, "What / Ne", v.Decision == "APPROVE" ? "Decision: APPROVE / Karar: ONAY" : "Decision: REJECT / Karar: RET");
                Row(text, "Application / Başvuru", v.ApplicationCode);
                Row(text, "Applicant / Başvuran", string.IsNullOrWhiteSpace(v.ApplicantName) ? "—" : v.ApplicantName);
                Row(text, "Reason / Gerekçe", string.IsNullOrWhiteSpace(v.Reason) ? "—" : v.Reason);
                Row(text, "Officer / Yetkili", v.OfficerName + (v.OfficerTckn is null ? "" : $" ({Signing.Domain.Tckn.Mask(v.OfficerTckn)})"));
                Row(text, "Directorate / Müdürlük", v.Tenant);
                break;
        }
        Row(text, "Card / Kart", card);
        text.AppendLine($"Enter the PIN to sign, or an empty line to refuse ({_timeout.TotalSeconds:0} s).")
            .AppendLine("İmzalamak için PIN girin; reddetmek için boş satır.")
            .Append("PIN: ");
        // Lines typed before this prompt answered no question the person saw: they must not sign this one. They are dropped
        // before the prompt appears, so that a line typed the moment it does is the answer.
        var inputEnded = _lines is not null && DiscardTypedAhead(_lines);
        _screen.Write(text.ToString());
        _screen.Flush();
        var line = inputEnded ? "" : _lines is not null ? await ReadLineAsync(_lines, cancel) : await Task.Run(() => ReadHidden(cancel), cancel);
        _screen.WriteLine();
        return line switch
        {
            null => new Answer.TimedOut(),
            "" => new Answer.Refused(),
            var pin => new Answer.Sign(PinSources.FromSecret(pin)),
        };
    }

    /// <summary>Drops the lines already read; true when the input has ended among them (nobody can answer any more).</summary>
    private static bool DiscardTypedAhead(Channel<string?> lines)
    {
        while (lines.Reader.TryRead(out var stale))
            if (stale is null)
                return true;
        return false;
    }

    /// <summary>The next line within the timeout; "" for end of input (nobody can answer), null for no answer in time.</summary>
    private async Task<string?> ReadLineAsync(Channel<string?> lines, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_timeout);
        try
        {
            return (await lines.Reader.ReadAsync(timeout.Token))?.TrimEnd('\r') ?? "";
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return "";
        }
    }

    /// <summary>Keys without echo until Enter, Escape (refuse) or the timeout (null).</summary>
    private string? ReadHidden(CancellationToken cancel)
    {
        while (Console.KeyAvailable)
            Console.ReadKey(intercept: true);
        var deadline = DateTime.UtcNow + _timeout;
        var pin = new StringBuilder();
        while (DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
        {
            if (!Console.KeyAvailable)
            {
                Thread.Sleep(50);
                continue;
            }
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                return pin.ToString();
            if (key.Key == ConsoleKey.Escape)
                return "";
            if (key.Key == ConsoleKey.Backspace && pin.Length > 0)
                pin.Length--;
            else if (!char.IsControl(key.KeyChar))
                pin.Append(key.KeyChar);
        }
        return null;
    }

    private static void Row(StringBuilder text, string label, string? value) =>
        text.Append("  ").Append((label + ":").PadRight(26)).AppendLine(Printable(value ?? "—"));

    /// <summary>Control characters from the document would let it rewrite the screen it is shown on; they are shown as '?'.</summary>
    private static string Printable(string value) =>
        string.Create(value.Length, value, (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
                span[i] = char.IsControl(v[i]) ? '?' : v[i];
        });
}
