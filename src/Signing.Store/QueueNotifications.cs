using Marten;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// How a committed write tells every server node which applications it changed: <c>NOTIFY</c> queued into the write's
/// own unit of work, so PostgreSQL delivers it to every listening connection when, and only when, the transaction
/// commits (a rolled-back write says nothing; a committed one cannot be left unsaid by a crash after the commit).
/// A notification carries no application data, only what a listener needs to read the change itself: the tenant, and per
/// application its id and what kind of change it was. One notification per transaction (more only when a very large
/// batch would exceed PostgreSQL's payload limit).
/// </summary>
public static class QueueNotifications
{
    /// <summary>The channel every server node LISTENs on.</summary>
    public const string Channel = "signing_queue";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more; keep a margin.</summary>
    public const int MaxPayloadBytes = 7900;

    public enum ChangeKind
    {
        /// <summary>The application was submitted by this write (on a queue it is new there).</summary>
        Submitted = 'S',

        /// <summary>The write closed the application (approved, rejected, withdrawn): it leaves the queue.</summary>
        Closed = 'C',

        /// <summary>Anything else.</summary>
        Changed = 'U',
    }

    public readonly record struct Entry(Guid ApplicationId, ChangeKind Kind);

    public sealed record Notice(string Tenant, IReadOnlyList<Entry> Entries);

    public static ChangeKind KindOf(IReadOnlyList<IApplicationEvent> events) =>
        events.Any(e => e is RenewalSubmitted) ? ChangeKind.Submitted
        : events.Any(e => e is ApplicationApproved or ApplicationRejected or ApplicationWithdrawn) ? ChangeKind.Closed
        : ChangeKind.Changed;

    /// <summary>Queues the notifications of <paramref name="entries"/> into the session's unit of work (sent at its commit, or never).</summary>
    internal static void Queue(IDocumentSession session, string tenant, IEnumerable<Entry> entries)
    {
        // NOTIFY, not "select pg_notify(...)": a statement that returns a row would shift the results Marten reads for
        // the batch's other operations. NOTIFY takes no parameters; the payload is a literal of characters checked in
        // Payloads (no quote, no placeholder).
        foreach (var payload in Payloads(tenant, entries))
            session.QueueSqlCommand($"NOTIFY {Channel}, '{payload}'");
    }

    /// <summary>
    /// The payloads for one tenant's entries: "tenant" then one " &lt;kind&gt;&lt;id&gt;" per entry, the id as 22 characters of
    /// base64url, so a group commit of a few hundred submissions still fits one notification.
    /// </summary>
    public static IEnumerable<string> Payloads(string tenant, IEnumerable<Entry> entries)
    {
        if (tenant.Length == 0 || !tenant.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException("a tenant code is ASCII letters, digits, '-' and '_'", nameof(tenant));
        System.Text.StringBuilder? payload = null;
        foreach (var entry in entries)
        {
            payload ??= new System.Text.StringBuilder(tenant);
            if (payload.Length + EntryLength > MaxPayloadBytes)
            {
                yield return payload.ToString();
                payload = new System.Text.StringBuilder(tenant);
            }
            payload.Append(' ').Append((char)entry.Kind).Append(Encode(entry.ApplicationId));
        }
        if (payload is not null)
            yield return payload.ToString();
    }

    /// <summary>The notice in a payload, or null when it is not one of ours (never throws: a listener must survive anything).</summary>
    public static Notice? Parse(string? payload)
    {
        if (string.IsNullOrEmpty(payload))
            return null;
        var parts = payload.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
            return null;
        var entries = new List<Entry>(parts.Length - 1);
        foreach (var part in parts.AsSpan(1))
        {
            if (part.Length != EntryLength - 1 || !Enum.IsDefined((ChangeKind)part[0]) || Decode(part.AsSpan(1)) is not { } id)
                return null;
            entries.Add(new Entry(id, (ChangeKind)part[0]));
        }
        return new Notice(parts[0], entries);
    }

    /// <summary>The tenant of a payload, without parsing the rest (a listener skips tenants nobody watches).</summary>
    public static ReadOnlySpan<char> TenantOf(string payload)
    {
        var space = payload.IndexOf(' ');
        return space < 0 ? payload : payload.AsSpan(0, space);
    }

    // " " + kind + 22 characters of id.
    private const int EntryLength = 24;

    private static string Encode(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static Guid? Decode(ReadOnlySpan<char> text)
    {
        Span<char> padded = stackalloc char[24];
        for (var i = 0; i < 22; i++)
            padded[i] = text[i] switch { '-' => '+', '_' => '/', var c => c };
        padded[22] = padded[23] = '=';
        Span<byte> bytes = stackalloc byte[16];
        return Convert.TryFromBase64Chars(padded, bytes, out var written) && written == 16 ? new Guid(bytes) : null;
    }
}
