using System.Diagnostics;
using System.Net.Sockets;
using MimeKit;
using Signing.HsmSim;

namespace Signing.TestKit;

/// <summary>A message the sink received: the envelope's recipients and the message as MimeKit parses it.</summary>
public sealed record DeliveredMessage(string File, IReadOnlyList<string> EnvelopeTo, MimeMessage Message)
{
    /// <summary>The text of the message's plain-text part (decoded from its transfer encoding and charset).</summary>
    public string Text => Message.TextBody ?? "";
}

/// <summary>
/// A real SMTP server for tests: hsm-sim/smtp-sink/smtp_sink.py on Debian's python3 (python3-aiosmtpd), listening on a
/// loopback port of its own, with STARTTLS (a certificate it makes, <see cref="CertificateFile"/>) and AUTH required
/// after it. Every message it accepts becomes a file, read back with <see cref="Messages"/>. <see cref="Stop"/> and
/// <see cref="StartAsync"/> again take it down and bring it back on the same port (the same certificate and files).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    public const string Python = "/usr/bin/python3";
    public const string User = "reminders";
    public string Password { get; } = "sink-" + Guid.NewGuid().ToString("N")[..12];

    private Process? _process;

    public SmtpSink()
    {
        Port = ServeProcesses.FreeLoopbackPort();
        Directory = Path.Combine(Path.GetTempPath(), "signing-smtp-sink-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public int Port { get; }
    public string Directory { get; }
    public string CertificateFile => Path.Combine(Directory, "cert.pem");
    private string MessageDirectory => Path.Combine(Directory, "messages");

    public static string Script => Path.Combine(LocalWorld.RepositoryRoot, "hsm-sim", "smtp-sink", "smtp_sink.py");

    /// <summary>Starts the sink and waits until it accepts connections (the ready file and a TCP connect).</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: the test SMTP server needs Debian's python3 with python3-aiosmtpd (./build.sh --target=Bootstrap)");
        System.IO.Directory.CreateDirectory(Directory);
        var ready = Path.Combine(Directory, "ready");
        File.Delete(ready);
        var psi = new ProcessStartInfo(Python)
        {
            ArgumentList = { Script, "--dir", Directory, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", User, "--password", Password },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        var errors = new System.Text.StringBuilder();
        _process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the SMTP sink exited with {_process.ExitCode}: {errors}");
            if (File.Exists(ready) && await ListensAsync())
                return;
            await Task.Delay(50);
        }
        Stop();
        throw new TimeoutException($"the SMTP sink did not listen on 127.0.0.1:{Port} within 30 s: {errors}");
    }

    private async Task<bool> ListensAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Takes the server down (connections to its port are refused until <see cref="StartAsync"/>).</summary>
    public void Stop()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>Every message received so far, in arrival order.</summary>
    public IReadOnlyList<DeliveredMessage> Messages()
    {
        if (!System.IO.Directory.Exists(MessageDirectory))
            return [];
        return System.IO.Directory.GetFiles(MessageDirectory, "*.eml").Order(StringComparer.Ordinal).Select(Read).ToList();
    }

    private static DeliveredMessage Read(string file)
    {
        var message = MimeMessage.Load(file);
        var to = message.Headers["X-Sink-Rcpt-To"] ?? "";
        return new DeliveredMessage(file, to.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), message);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
