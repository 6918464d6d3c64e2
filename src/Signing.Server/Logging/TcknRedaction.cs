using System.Collections;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Signing.Domain;

namespace Signing.Server.Logging;

/// <summary>
/// Every log line of the server passes through here before any provider sees it (console, JSON, the tests' capture): the
/// message, every structured value, scopes and exception texts have each TCKN masked (<see cref="Tckn.MaskAll"/>). It
/// decorates the <see cref="ILoggerFactory"/> rather than each provider, so per-provider filters keep working and a
/// provider added later is covered too. Masking by content, not by call site: a TCKN inside a verifier's reason or an
/// exception message is found as well as one passed as a parameter.
/// </summary>
public static class TcknRedaction
{
    /// <summary>Wraps the registered logger factory; call after logging is set up (the host builder does that first).</summary>
    public static IServiceCollection AddTcknRedaction(this IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (inner is null || inner.ImplementationFactory?.Target is RedactionMarker)
            return services;
        var marker = new RedactionMarker(inner);
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(marker.Create));
        return services;
    }

    /// <summary>Holds the decorated registration; also tells a second call that redaction is already in place.</summary>
    private sealed class RedactionMarker(ServiceDescriptor inner)
    {
        public ILoggerFactory Create(IServiceProvider sp)
        {
            var factory = inner.ImplementationInstance as ILoggerFactory
                ?? inner.ImplementationFactory?.Invoke(sp) as ILoggerFactory
                ?? (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType ?? typeof(LoggerFactory));
            return new RedactingLoggerFactory(factory);
        }
    }
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));
    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
    public void Dispose() => inner.Dispose();
}

internal sealed class RedactingLogger(ILogger inner) : ILogger
{
    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
        inner.BeginScope(RedactedState.Of(state, Tckn.MaskAll(state.ToString() ?? "")));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
            return;
        var message = Tckn.MaskAll(formatter(state, exception));
        inner.Log(logLevel, eventId, RedactedState.Of(state, message), RedactedException.Of(exception), static (s, _) => s.ToString());
    }
}

/// <summary>A log state with its formatted text and its structured values masked (JSON formatters write both).</summary>
internal sealed class RedactedState : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _values;
    private readonly string _text;

    private RedactedState(KeyValuePair<string, object?>[] values, string text)
    {
        _values = values;
        _text = text;
    }

    public static RedactedState Of<TState>(TState state, string maskedText) =>
        new(state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.Select(p => new KeyValuePair<string, object?>(p.Key, Value(p.Value))).ToArray()
            : [], maskedText);

    /// <summary>Strings and numbers masked; any other value kept as it is unless its text holds a TCKN.</summary>
    private static object? Value(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                return Tckn.MaskAll(s);
            case IEnumerable sequence and not IDictionary:
                return sequence.Cast<object?>().Select(Value).ToArray();
        }
        var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        var masked = Tckn.MaskAll(text);
        return ReferenceEquals(masked, text) || masked == text ? value : masked;
    }

    public KeyValuePair<string, object?> this[int index] => _values[index];
    public int Count => _values.Length;
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_values).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    public override string ToString() => _text;
}

/// <summary>
/// Stands in for an exception whose message or stack text holds a TCKN: providers print ToString(), which is masked. An
/// exception without one is passed on unchanged.
/// </summary>
internal sealed class RedactedException : Exception
{
    private readonly string _text;

    private RedactedException(Exception original, string text)
        : base(Tckn.MaskAll(original.Message))
    {
        _text = text;
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
        HResult = original.HResult;
    }

    public string OriginalType { get; }

    public static Exception? Of(Exception? exception)
    {
        if (exception is null)
            return null;
        var text = exception.ToString();
        var masked = Tckn.MaskAll(text);
        return masked == text ? exception : new RedactedException(exception, masked);
    }

    public override string? StackTrace => null;
    public override string ToString() => _text;
}
