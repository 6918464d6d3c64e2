namespace Signing.Domain;

/// <summary>The outcome of <see cref="ApplicationDecider.Decide"/>: the events to append, or why not.</summary>
public sealed class Decision
{
    public IReadOnlyList<IApplicationEvent> Events { get; }
    public DomainError? Error { get; }
    public bool IsAccepted => Error is null;

    private Decision(IReadOnlyList<IApplicationEvent> events, DomainError? error)
    {
        Events = events;
        Error = error;
    }

    public static Decision Accept(params IApplicationEvent[] events) => new(events, null);
    public static Decision Refuse(string code, string message) => new([], new DomainError(code, message));
    public override string ToString() => IsAccepted ? string.Join(", ", Events.Select(e => e.GetType().Name)) : Error!.ToString();
}
