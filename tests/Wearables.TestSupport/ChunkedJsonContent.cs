using System.Net;
using System.Net.Http.Headers;

namespace Wearables.TestSupport;

/// <summary>
/// A JSON body sent without Content-Length (<c>Transfer-Encoding: chunked</c>), as streaming clients
/// do, written and flushed in pieces so that the server sees several reads.
/// </summary>
public sealed class ChunkedJsonContent : HttpContent
{
    private readonly byte[] body;
    private readonly int chunkSize;

    public ChunkedJsonContent(byte[] body, int chunkSize)
    {
        this.body = body;
        this.chunkSize = chunkSize;
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        foreach (var chunk in body.Chunk(chunkSize))
        {
            await stream.WriteAsync(chunk).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
