using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A stand-in for the project's dashboard: a tiny Kestrel app on 127.0.0.1 that answers every
/// path with a "Connected!" page, so that the browser has somewhere to land after the callback.
/// </summary>
public sealed class Dashboard : IAsyncDisposable
{
    public const string Heading = "Connected!";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<DashboardVisit> visits;

    private Dashboard(WebApplication app, Uri baseUrl, ConcurrentQueue<DashboardVisit> visits)
    {
        this.app = app;
        this.visits = visits;
        BaseUrl = baseUrl;
    }

    /// <summary>E.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every request the dashboard answered, in order.</summary>
    public IReadOnlyList<DashboardVisit> Visits => visits.ToArray();

    /// <summary>The origin as the service normalizes it (<c>scheme://host:port</c>).</summary>
    public string Origin => BaseUrl.GetLeftPart(UriPartial.Authority);

    public static async Task<Dashboard> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = nameof(Dashboard) });
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var visits = new ConcurrentQueue<DashboardVisit>();
        app.Run(context =>
        {
            var referer = context.Request.Headers.Referer;
            visits.Enqueue(new DashboardVisit(context.Request.Path + context.Request.QueryString, referer.Count == 0 ? null : referer.ToString()));
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(
                $"<!DOCTYPE html><html><head><title>Dashboard</title></head><body><h1 id=\"status\">{Heading}</h1></body></html>");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Dashboard(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"), visits);
    }

    /// <summary>A page of the dashboard, e.g. <c>Url("wearables/done?tab=1")</c>.</summary>
    public Uri Url(string relative) => new(BaseUrl, relative);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>One request to the dashboard: path and query, and the Referer the browser sent (null: none).</summary>
public sealed record DashboardVisit(string PathAndQuery, string? Referer);
