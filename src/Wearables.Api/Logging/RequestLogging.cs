using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Hosting;

namespace Wearables.Api.Logging;

/// <summary>
/// One line per request through Serilog's request logging: request id, method, path, status,
/// duration. Never the query string (the OAuth callback carries code and state there), never a
/// header value, never a body.
/// </summary>
public static class RequestLogging
{
    /// <summary>The category (source context) of the request lines.</summary>
    public const string Category = "Wearables.Api.Logging.RequestLogging";

    // :l writes the strings without quotes.
    private const string Template = "HTTP {Method:l} {Path:l} responded {StatusCode} in {ElapsedMs:0.00} ms ({RequestId:l})";

    /// <summary>The diagnostic context Serilog's request logging needs (handlers may add properties to the line).</summary>
    public static IServiceCollection AddRequestLogging(this IServiceCollection services)
    {
        services.AddSingleton(provider => new DiagnosticContext(ToExtensionsLogging(provider.GetRequiredService<ILoggerFactory>().CreateLogger(Category))));
        services.AddSingleton<IDiagnosticContext>(provider => provider.GetRequiredService<DiagnosticContext>());
        return services;
    }

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var factory = app.ApplicationServices.GetRequiredService<ILoggerFactory>();
        var target = factory.CreateLogger(Category);
        var logger = ToExtensionsLogging(target);
        return app.UseSerilogRequestLogging(o =>
        {
            o.Logger = logger;
            o.MessageTemplate = Template;
            o.IncludeQueryInRequestPath = false;

            // Refusals and upstream failures are answers, not faults of this service (those are logged where they happen).
            // When nothing would write the line (e.g. Serilog:MinimumLevel:Default=Warning), the level is one the
            // bridge never enables, so the middleware builds no event at all: it asks IsEnabled before building.
            o.GetLevel = (_, _, _) => target.IsEnabled(LogLevel.Information) ? LogEventLevel.Information : LogEventLevel.Verbose;
            o.GetMessageTemplateProperties = (context, path, elapsedMs, statusCode) =>
            [
                new("Method", new ScalarValue(context.Request.Method)),
                new("Path", new ScalarValue(path)),
                new("StatusCode", new ScalarValue(context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : statusCode)),
                new("ElapsedMs", new ScalarValue(elapsedMs)),
                new("RequestId", new ScalarValue(context.TraceIdentifier)),
            ];
        });
    }

    /// <summary>
    /// A Serilog logger whose events go into Microsoft.Extensions.Logging under <see cref="Category"/>:
    /// there every provider sees them (the console's Serilog sink, a test's capture) with the same
    /// filters and the request's scopes as every other line of the service.
    /// </summary>
    private static Logger ToExtensionsLogging(Microsoft.Extensions.Logging.ILogger target) =>
        new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new ExtensionsLoggingSink(target)).CreateLogger();

    private sealed class ExtensionsLoggingSink(Microsoft.Extensions.Logging.ILogger logger) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            // Serilog's levels and Microsoft's share their numbers (Verbose = Trace … Fatal = Critical).
            var level = (LogLevel)(int)logEvent.Level;
            if (!logger.IsEnabled(level))
            {
                return;
            }

            // The structured state providers read: the properties, and the template as {OriginalFormat}.
            var state = new List<KeyValuePair<string, object?>>(logEvent.Properties.Count + 1);
            foreach (var (name, value) in logEvent.Properties)
            {
                if (name == Constants.SourceContextPropertyName)
                {
                    // The middleware's own type; the category says where the line comes from.
                    continue;
                }

                state.Add(new(name, value is ScalarValue scalar ? scalar.Value : value.ToString()));
            }

            state.Add(new("{OriginalFormat}", logEvent.MessageTemplate.Text));
            logger.Log(level, default, state, logEvent.Exception, (_, _) => logEvent.RenderMessage(CultureInfo.InvariantCulture));
        }
    }
}
