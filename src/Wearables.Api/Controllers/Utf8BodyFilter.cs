using System.Buffers;
using System.IO.Pipelines;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Filters;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Api.Controllers;

/// <summary>
/// A JSON body must be valid UTF-8 as a whole: System.Text.Json never decodes the names of
/// properties it ignores, so bad bytes there would otherwise slip through as a "valid" request.
/// Bodies are small (the size limit applies first): the body is read once into memory, checked,
/// and handed to model binding from there. One instance for the process (it keeps nothing).
/// </summary>
public sealed class Utf8BodyFilter : IAsyncResourceFilter
{
    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.HttpContext.Request;
        if (request.ContentLength is not 0 && request.HasJsonContentType())
        {
            if (!DeclaresUtf8OrNothing(request.ContentType))
            {
                // Decoding other charsets would be the framework's transcoding stream, whose failures are 500s.
                throw new UnsupportedMediaTypeException("unsupported_media_type", "JSON bodies must be UTF-8: send no charset or charset=utf-8.");
            }

            var body = await ReadBodyAsync(request, context.HttpContext.RequestAborted).ConfigureAwait(false);
            if (!Utf8.IsValid(body.AsSpan()))
            {
                throw new BadRequestException("malformed_request", "The request body is not valid UTF-8 JSON.");
            }

            // Not EnableBuffering(): its file-backed stream and 80 KB copy buffers cost more than these small bodies.
            // The JSON formatter reads the body's pipe: a pipe over the same bytes, not one wrapped around the
            // stream (that one rents a buffer, copies into it and reads asynchronously).
            var stream = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false, publiclyVisible: true);
            request.Body = stream;
            context.HttpContext.Features.Set<IRequestBodyPipeFeature>(new ReadBody(context.HttpContext, stream, body));
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>True without a charset parameter or with exactly <c>utf-8</c> (any case, quoted or not).</summary>
    private static bool DeclaresUtf8OrNothing(string? contentType)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var charsets = mediaType.Parameters.Where(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)).ToList();
        return charsets.Count == 0
            || (charsets.Count == 1 && Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(charsets[0].Value).Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Content-Length is only a hint for the first buffer: the server's body size limit is what bounds the read.
        var buffer = new byte[request.ContentLength is > 0 and <= ApiServices.MaxRequestBodyBytes ? (int)request.ContentLength.Value : 1024];
        var length = 0;
        while (true)
        {
            if (length == request.ContentLength)
            {
                // The server ends a body at its Content-Length (a shorter one fails the read instead).
                return new ArraySegment<byte>(buffer, 0, length);
            }

            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, checked(buffer.Length * 2));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return new ArraySegment<byte>(buffer, 0, length);
            }

            length += read;
        }
    }

    /// <summary>
    /// The body already read, as the request's pipe. Should anything replace the request's stream after this
    /// filter (a wrapper of its own), the framework's own pipe feature answers instead, for that stream.
    /// </summary>
    private sealed class ReadBody(HttpContext context, MemoryStream stream, ArraySegment<byte> body) : IRequestBodyPipeFeature
    {
        private PipeReader? bytes;
        private RequestBodyPipeFeature? replaced;

        public PipeReader Reader => ReferenceEquals(context.Request.Body, stream)
            ? bytes ??= PipeReader.Create(new ReadOnlySequence<byte>(body.AsMemory()))
            : (replaced ??= new RequestBodyPipeFeature(context)).Reader;
    }
}
