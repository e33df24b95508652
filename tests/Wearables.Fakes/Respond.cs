using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace Wearables.Fakes;

/// <summary>Writes responses without going through IResult, keeping the hot token path allocation-light.</summary>
internal static class Respond
{
    public static Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, typeInfo, contentType: null, context.RequestAborted);
    }

    /// <summary>For fixed bodies serialised once up front.</summary>
    public static Task JsonAsync(HttpContext context, int status, byte[] utf8Json)
        => WriteAsync(context, status, "application/json; charset=utf-8", utf8Json);

    public static Task TextAsync(HttpContext context, int status, string text)
        => WriteAsync(context, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    public static Task HtmlAsync(HttpContext context, int status, string html)
        => WriteAsync(context, status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html));

    public static Task StatusAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static Task RedirectAsync(HttpContext context, string location)
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }

    /// <summary>Token responses must not be cached (RFC 6749 §5.1).</summary>
    public static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }

    private static Task WriteAsync(HttpContext context, int status, string contentType, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
