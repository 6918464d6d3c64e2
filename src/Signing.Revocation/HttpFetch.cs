using System.Net;
using System.Net.Http.Headers;

namespace Signing.Revocation;

/// <summary>One HTTP exchange with the checks every protocol here shares: timeout, status, content type, size limit.</summary>
internal static class HttpFetch
{
    /// <param name="contentType">The request body's media type; null for a GET.</param>
    /// <param name="expectedTypes">Accepted response media types; empty accepts any (CRL servers label CRLs loosely).</param>
    public static async Task<byte[]> SendAsync(HttpClient http, string url, byte[]? body, string? contentType,
        IReadOnlyCollection<string> expectedTypes, long maxBytes, TimeSpan timeout, CancellationToken ct)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, url);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
            }
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new FetchException(FetchFailure.HttpStatus, url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            var type = response.Content.Headers.ContentType?.MediaType;
            if (expectedTypes.Count > 0 && (type is null || !expectedTypes.Contains(type, StringComparer.OrdinalIgnoreCase)))
                throw new FetchException(FetchFailure.ContentType, url,
                    $"Content-Type '{type ?? "(none)"}' where {string.Join(" or ", expectedTypes)} was expected");
            if (response.Content.Headers.ContentLength is { } length && length > maxBytes)
                throw new FetchException(FetchFailure.TooLarge, url, $"{length} bytes exceed the limit of {maxBytes}");
            await using var stream = await response.Content.ReadAsStreamAsync(timeoutSource.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, timeoutSource.Token)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    throw new FetchException(FetchFailure.TooLarge, url, $"the body exceeds the limit of {maxBytes} bytes");
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FetchException(FetchFailure.Timeout, url, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            throw new FetchException(FetchFailure.Network, url, e.Message, e);
        }
        catch (IOException e)
        {
            throw new FetchException(FetchFailure.Network, url, e.Message, e);
        }
    }
}
