using System.Security.Cryptography;
using System.Text;

namespace Signing.Tokens;

/// <summary>Why a PIN is asked for: the first login, or a re-login after the token was pulled out and put back.</summary>
public sealed record PinRequest(string TokenLabel, bool Relogin);

/// <summary>
/// Gives a PIN when a token needs one. The returned bytes (UTF-8) belong to the caller, which wipes them right after
/// C_Login; sessions keep the source, never the PIN, so a re-login after reinsertion asks the source again.
/// Return null when no PIN is available (the login then fails with <see cref="PinNotProvidedException"/>).
/// </summary>
public interface IPinSource
{
    byte[]? GetPin(PinRequest request);
}

public static class PinSources
{
    /// <summary>Reads the named environment variable at each login (automation; the server's directorate token).</summary>
    public static IPinSource FromEnvironment(string variable) => new EnvironmentPinSource(variable);

    /// <summary>Reads one line from the reader (e.g. standard input) at the first login; a re-login finds the input spent.</summary>
    public static IPinSource FromReader(TextReader reader) => new ReaderPinSource(reader);

    /// <summary>Prompts on the terminal without echo, every time a PIN is needed.</summary>
    public static IPinSource Prompt(TextWriter? prompt = null) => new ConsolePromptPinSource(prompt ?? Console.Error);

    /// <summary>
    /// A PIN held in memory for the life of the source (a copy, wiped on <see cref="IDisposable.Dispose"/>).
    /// For tests and for services whose PIN comes from a secret store; prefer the other sources at a desk.
    /// </summary>
    public static InMemoryPinSource FromSecret(ReadOnlySpan<char> pin) => new(pin);

    private sealed class EnvironmentPinSource(string variable) : IPinSource
    {
        public byte[]? GetPin(PinRequest request) =>
            Environment.GetEnvironmentVariable(variable) is { Length: > 0 } pin ? Encoding.UTF8.GetBytes(pin) : null;
    }

    private sealed class ReaderPinSource(TextReader reader) : IPinSource
    {
        private bool _used;

        public byte[]? GetPin(PinRequest request)
        {
            if (_used)
                return null;
            _used = true;
            var line = reader.ReadLine();
            return string.IsNullOrEmpty(line) ? null : Encoding.UTF8.GetBytes(line.TrimEnd('\r'));
        }
    }

    private sealed class ConsolePromptPinSource(TextWriter prompt) : IPinSource
    {
        public byte[]? GetPin(PinRequest request)
        {
            if (Console.IsInputRedirected)
                throw new PinNotProvidedException("no terminal to prompt for the PIN; use --pin-stdin or --pin-env NAME");
            prompt.Write(request.Relogin
                ? $"Token '{request.TokenLabel}' was re-inserted; PIN: "
                : $"PIN for token '{request.TokenLabel}': ");
            var buffer = new char[64];
            var length = 0;
            try
            {
                while (true)
                {
                    var key = Console.ReadKey(intercept: true);
                    if (key.Key == ConsoleKey.Enter)
                        break;
                    if (key.Key == ConsoleKey.Escape)
                        return null;
                    if (key.Key == ConsoleKey.Backspace)
                    {
                        if (length > 0)
                            buffer[--length] = '\0';
                        continue;
                    }
                    if (char.IsControl(key.KeyChar))
                        continue;
                    if (length == buffer.Length)
                    {
                        var bigger = new char[buffer.Length * 2];
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        Array.Clear(buffer);
                        buffer = bigger;
                    }
                    buffer[length++] = key.KeyChar;
                }
                return length == 0 ? null : Encoding.UTF8.GetBytes(buffer, 0, length);
            }
            finally
            {
                Array.Clear(buffer);
                prompt.WriteLine();
            }
        }
    }
}

public sealed class InMemoryPinSource : IPinSource, IDisposable
{
    private readonly byte[] _pin;
    private volatile bool _disposed;

    internal InMemoryPinSource(ReadOnlySpan<char> pin)
    {
        _pin = new byte[Encoding.UTF8.GetByteCount(pin)];
        Encoding.UTF8.GetBytes(pin, _pin);
    }

    public byte[]? GetPin(PinRequest request) => _disposed || _pin.Length == 0 ? null : (byte[])_pin.Clone();

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_pin);
    }
}
