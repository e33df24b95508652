using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Routing;
using Wearables.Api.Controllers;

namespace Wearables.Api.Tests.Controllers;

/// <summary>
/// After the filter has read and checked a JSON body, model binding reads the same bytes, through the
/// request's stream and through its pipe; a stream put in place after the filter is what the pipe reads then.
/// </summary>
public sealed class Utf8BodyFilterTests
{
    [Test]
    public async Task ACheckedBody_ReadsTheSame_ThroughTheStreamAndThroughThePipe()
    {
        const string json = """{"min_validity_seconds":600,"ü":"ok"}""";
        string? throughPipe = null;
        string? throughStream = null;

        await RunAsync(json, async request =>
        {
            throughPipe = await ReadAllAsync(request.BodyReader);
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            throughStream = await reader.ReadToEndAsync();
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(throughPipe, Is.EqualTo(json));
            Assert.That(throughStream, Is.EqualTo(json));
        }
    }

    [Test]
    public async Task AStreamPutInPlaceAfterTheFilter_IsWhatThePipeReads()
    {
        string? throughPipe = null;
        string? again = null;

        await RunAsync("""{"a":1}""", async request =>
        {
            request.Body = new MemoryStream(Encoding.UTF8.GetBytes("""{"b":2}"""));
            throughPipe = await ReadAllAsync(request.BodyReader);
            again = ReferenceEquals(request.BodyReader, request.BodyReader) ? "same reader" : "another reader";
        });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(throughPipe, Is.EqualTo("""{"b":2}"""));
            Assert.That(again, Is.EqualTo("same reader"), "one pipe per stream, as the framework's own");
        }
    }

    private static async Task RunAsync(string json, Func<HttpRequest, Task> binding)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = bytes.Length;
        http.Request.Body = new MemoryStream(bytes);
        var action = new ActionContext(http, new RouteData(), new ActionDescriptor());
        var context = new ResourceExecutingContext(action, [], []);

        await new Utf8BodyFilter().OnResourceExecutionAsync(context, async () =>
        {
            await binding(http.Request);
            return new ResourceExecutedContext(action, []);
        });
    }

    private static async Task<string> ReadAllAsync(PipeReader reader)
    {
        var text = new StringBuilder();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                text.Append(Encoding.UTF8.GetString(segment.Span));
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return text.ToString();
            }
        }
    }
}
