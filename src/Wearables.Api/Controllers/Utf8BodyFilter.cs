using System.Text.Unicode;
using Microsoft.AspNetCore.Mvc.Filters;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Api.Controllers;

/// <summary>
/// A JSON body must be valid UTF-8 as a whole: System.Text.Json never decodes the names of
/// properties it ignores, so bad bytes there would otherwise slip through as a "valid" request.
/// Bodies are small (the size limit applies first), so buffering them is cheap.
/// </summary>
public sealed class Utf8BodyFilter : IAsyncResourceFilter
{
    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        if (request.ContentLength is not 0 && request.HasJsonContentType() && (request.ContentType?.Contains("charset", StringComparison.OrdinalIgnoreCase) != true
            || request.ContentType.Contains("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            request.EnableBuffering();
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.HttpContext.RequestAborted).ConfigureAwait(false);
            request.Body.Position = 0;
            if (!Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            {
                throw new BadRequestException("malformed_request", "The request body is not valid UTF-8 JSON.");
            }
        }

        await next().ConfigureAwait(false);
    }
}
