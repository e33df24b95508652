using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Api.Errors;

/// <summary>Builds and writes <see cref="ApiProblem"/> bodies; the only place error bodies are made.</summary>
public static class ProblemWriter
{
    public const string ContentType = "application/problem+json";
    private const string TypeBase = "https://wearables.dev/problems/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ApiProblem Create(HttpContext context, int status, string error, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ApiProblem
        {
            Type = TypeBase + error,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Status = status,
            Detail = detail,
            Error = error,
            Message = detail,
            TraceId = System.Diagnostics.Activity.Current?.Id ?? context.TraceIdentifier,
            Errors = errors,
        };
    }

    public static async Task WriteAsync(HttpContext context, int status, string error, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = Create(context, status, error, detail, errors);
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, Json, context.RequestAborted).ConfigureAwait(false);
    }
}
