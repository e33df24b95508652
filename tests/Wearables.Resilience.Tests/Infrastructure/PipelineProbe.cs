using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>
/// Test-side instrumentation, outermost in the service's pipeline (an <see cref="IStartupFilter"/>
/// registered by the test, not a change to the service): counts requests that reached the service
/// and records every exception that escaped all of its middleware (the service's own exception
/// handler included).
/// </summary>
public sealed class PipelineProbe
{
    private readonly ConcurrentQueue<string> escaped = new();
    private long requests;

    public long Requests => Interlocked.Read(ref requests);

    public IReadOnlyList<string> Escaped => escaped.ToArray();

    internal IStartupFilter Filter() => new ProbeFilter(this);

    private sealed class ProbeFilter(PipelineProbe probe) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate inner) =>
            {
                Interlocked.Increment(ref probe.requests);
                try
                {
                    await inner(context);
                }
                catch (Exception ex)
                {
                    probe.escaped.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}: {ex.GetType().FullName}: {ex.Message}");
                    throw;
                }
            });
            next(app);
        };
    }
}
