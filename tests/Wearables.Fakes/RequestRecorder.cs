using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Wearables.Fakes;

internal static class RequestRecorder
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static async Task<RecordedRequest> CaptureAsync(HttpContext context, TimeProvider timeProvider)
    {
        var request = context.Request;
        var body = string.Empty;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            // Buffered so the endpoint can still read the body after us.
            request.EnableBuffering();
            using var reader = new StreamReader(request.Body, leaveOpen: true);
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            request.Body.Position = 0;
        }

        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values.ToString();
        }

        return new RecordedRequest(
            request.Method,
            request.Path.Value ?? string.Empty,
            request.QueryString.Value ?? string.Empty,
            Flatten(request.QueryString.HasValue ? QueryHelpers.ParseQuery(request.QueryString.Value) : null),
            headers,
            request.HasFormContentType && body.Length > 0 ? Flatten(QueryHelpers.ParseQuery(body)) : Empty,
            body,
            timeProvider.GetUtcNow());
    }

    private static IReadOnlyDictionary<string, string> Flatten(Dictionary<string, StringValues>? values)
    {
        if (values is null || values.Count == 0)
        {
            return Empty;
        }

        var result = new Dictionary<string, string>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            result[key] = value.ToString();
        }

        return result;
    }
}
