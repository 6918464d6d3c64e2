using System.Globalization;
using System.Text;
using Signing.Contracts.V1;
using Signing.Server.Errors;
using Signing.Store;

namespace Signing.Server.Services;

/// <summary>Page sizes and opaque cursors (base64url of a small text, so clients cannot depend on their shape).</summary>
public static class Paging
{
    public const int DefaultSize = 50;

    public static int Size(PageRequest? page)
    {
        var size = page?.PageSize ?? 0;
        if (size < 0 || size > ApplicationStore.MaxPageSize)
            throw ServiceError.InvalidArgument("page.page_size", $"must be 0..{ApplicationStore.MaxPageSize} (0 = {DefaultSize})",
                $"0..{ApplicationStore.MaxPageSize} arasında olmalı (0 = {DefaultSize})");
        return size == 0 ? DefaultSize : size;
    }

    public static (int Size, int Offset) Offset(PageRequest? page)
    {
        var size = Size(page);
        if (string.IsNullOrEmpty(page?.Cursor))
            return (size, 0);
        var text = Decode(page.Cursor);
        return text is not null && text.StartsWith("o:") && int.TryParse(text[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? (size, offset)
            : throw BadCursor();
    }

    public static string OffsetCursor(int offset) => Encode("o:" + offset.ToString(CultureInfo.InvariantCulture));

    public static QueueCursor? Queue(PageRequest? page)
    {
        if (string.IsNullOrEmpty(page?.Cursor))
            return null;
        var parts = Decode(page.Cursor)?.Split(':');
        return parts is ["q", var ticks, var id] && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            && t is >= 0 and <= 3155378975999999999 && Guid.TryParse(id, out var guid)
            ? new QueueCursor(new DateTimeOffset(t, TimeSpan.Zero), guid)
            : throw BadCursor();
    }

    public static string QueueCursor(QueueCursor cursor) =>
        Encode($"q:{cursor.QueuedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{cursor.Id:N}");

    /// <summary>
    /// The expiring list's cursor. It names its tenant: a cursor of another directorate's list is refused, not read as a
    /// position in this one.
    /// </summary>
    public static ExpiringCursor? Expiring(PageRequest? page, string tenant)
    {
        if (string.IsNullOrEmpty(page?.Cursor))
            return null;
        var parts = Decode(page.Cursor)?.Split(':');
        return parts is ["x", var code, var ticks, var tckn] && code == tenant && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            && t is >= 0 and <= 3155378975999999999 && Signing.Domain.Tckn.IsValid(tckn)
            ? new ExpiringCursor(new DateTimeOffset(t, TimeSpan.Zero), tckn)
            : throw BadCursor();
    }

    public static string ExpiringCursor(ExpiringCursor cursor, string tenant) =>
        Encode($"x:{tenant}:{cursor.NotAfter.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{cursor.Tckn}");

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Decode(string cursor)
    {
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            return Encoding.UTF8.GetString(Convert.FromBase64String(b64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static ServiceError BadCursor() => ServiceError.InvalidArgument("page.cursor",
        "not a cursor this list returned; start again with an empty cursor", "bu listenin verdiği bir imleç değil; boş imleçle baştan başlayın");
}
