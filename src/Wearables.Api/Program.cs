using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;
using Wearables.Api;
using Wearables.Api.Cli;
using Wearables.Api.Diagnostics;
using Wearables.Api.Logging;
using Wearables.Api.OpenApi;
using Wearables.Application;
using Wearables.Infrastructure;
using Wearables.Infrastructure.Configuration;

var builder = WebApplication.CreateBuilder(args);

// Serilog writes to stdout as a Microsoft.Extensions.Logging provider: the filters below and a
// host's other providers (a test's capture) see every line, request lines included.
// Production: compact JSON (CLEF), one event per line; Development: readable lines.
var serilogConfiguration = new LoggerConfiguration()
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
    .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning)
    .MinimumLevel.Override("Microsoft.AspNetCore.DataProtection", Serilog.Events.LogEventLevel.Error)
    .ReadFrom.Configuration(builder.Configuration)
    // The requests the server sends itself before it listens (Hosting.WarmingServer) are nobody's: their request
    // lines, refusals and challenges are not written; a warning or an error on their way still is.
    .Filter.ByExcluding(e => e.Level < Serilog.Events.LogEventLevel.Warning && Wearables.Application.Common.WarmupScope.Active)
    .Enrich.FromLogContext();
var serilog = (builder.Environment.IsDevelopment()
        ? serilogConfiguration.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture)
        : serilogConfiguration.WriteTo.Console(new RenderedCompactJsonFormatter()))
    .CreateLogger();
builder.Logging.ClearProviders().AddSerilog(serilog, dispose: true);

// The framework's own request lines carry full URLs (the callback's code and state are in the query):
// keep them out of every logging provider, not only Serilog's pipeline.
builder.Logging
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning)
    .AddFilter("Microsoft.AspNetCore.Mvc.Infrastructure", LogLevel.Warning)
    .AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning)
    .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

builder.Services.AddRequestLogging();

builder.WebHost.ConfigureKestrel(o =>
{
    o.AddServerHeader = false;
    o.Limits.MaxRequestBodySize = ApiServices.MaxRequestBodyBytes;
    o.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
});

builder.Services
    .AddApplication(builder.Configuration["AutoMapper:LicenseKey"])
    .AddInfrastructure(builder.Configuration, builder.Environment)
    .AddApi(builder.Configuration);

// Before it listens, the server sends a stranger's and a made-up admin's requests through its own pipeline (README, Performance).
Wearables.Api.Hosting.WarmingServer.Install(builder.Services);

var app = builder.Build();

// Fail at start-up, not at the first request, when the encryption master key is missing or malformed.
app.Services.GetRequiredService<Wearables.Infrastructure.Crypto.MasterKeyRing>();

// Likewise without a public base URL: redirect_uri would otherwise be built from the caller's Host header.
var apiOptions = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
Wearables.Api.Hosting.OAuthCallbackUri.RequirePublicBaseUrl(apiOptions, app.Environment);
Wearables.Api.Hosting.BootstrapAdminKey.RequireLongChosenKey(apiOptions, app.Environment);

// Refuse to start (verbs included) when the master keys do not open the stored data: one clear message, not a 503 per request.
await Wearables.Api.Hosting.KeyCheckAtStart.RunAsync(app.Services, CancellationToken.None);

if (args.Length > 0 && args[0] == CreateKeyVerb.Name)
{
    return await CreateKeyVerb.RunAsync(app.Services, args);
}

if (args.Length > 0 && args[0] == RotateKeysVerb.Name)
{
    return await RotateKeysVerb.RunAsync(app.Services, args);
}

if (app.Services.GetRequiredService<IOptions<WearablesOptions>>().Value.Diagnostics.ServerTiming)
{
    // First, so that its total covers everything the service does for a request.
    app.UseMiddleware<ServerTimingMiddleware>();
}

// The client address of the rate limits: the peer's, or X-Forwarded-For's from a trusted proxy only.
app.UseForwardedHeaders();
app.UseMiddleware<Wearables.Api.Hosting.SecurityHeadersMiddleware>();
app.Use(Wearables.Api.Hosting.ShutdownDrain.RefuseWhileStoppingAsync);

// Before the request log (a scrape every few seconds is not worth a line) and before authentication (anonymous).
app.UseWearablesMetrics();
app.UseRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages(async context =>
{
    // Framework answers without a body (no route: 404, wrong method: 405, unsupported media type: 415…)
    // get the same problem shape as ours.
    var http = context.HttpContext;
    if (http.Response.StatusCode >= 400 && !http.Response.HasStarted && http.Response.ContentLength is null or 0)
    {
        var status = http.Response.StatusCode;
        var error = status switch
        {
            404 => "not_found",
            405 => "method_not_allowed",
            415 => "unsupported_media_type",
            _ => "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await Wearables.Api.Errors.ProblemWriter.WriteAsync(http, status, error, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) + ".");
    }
});

// The OpenAPI document and UI are public (they describe, they do not act): served before authentication.
app.UseWearablesOpenApi();

// Per client address, on the routes that name a policy (EdgeLimits): before anything costs more.
app.UseRateLimiter();

// Outside authentication, so that it sees its result: counts refused credentials per address, refuses a blocked one.
app.UseMiddleware<Wearables.Api.Limits.AuthFailureThrottle.Middleware>();
app.UseAuthentication();
app.UseAuthorization();

app.MapControllers();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().RequireRateLimiting(Wearables.Api.Limits.EdgeLimits.Health);
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous().RequireRateLimiting(Wearables.Api.Limits.EdgeLimits.Health);
app.MapGet("/", () => Results.Redirect("/swagger")).AllowAnonymous().ExcludeFromDescription();

await app.RunAsync();
return 0;

/// <summary>Entry point; public for WebApplicationFactory.</summary>
public partial class Program;
