using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Wearables.Fakes.Tests;

/// <summary>A webhook receiver on loopback standing in for the service: records each call and answers as told.</summary>
internal sealed class Subscriber() : FakeServer(null)
{
    /// <summary>The verify token it knows: a Strava or Oura handshake with it is answered with the challenge.</summary>
    public string VerifyToken { get; set; } = "the-verify-token";

    /// <summary>What a POST is answered.</summary>
    public int PostStatus { get; set; } = StatusCodes.Status200OK;

    public Uri HookUrl => Url("hook");

    public List<(string Method, IHeaderDictionary Headers, string Query, byte[] Body)> Received { get; } = [];

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/hook", async context =>
        {
            lock (Received)
            {
                Received.Add(("GET", new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), context.Request.QueryString.Value ?? "", []));
            }

            var query = context.Request.Query;
            if (query["hub.mode"] == "subscribe" && query["hub.verify_token"] == VerifyToken)
            {
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["hub.challenge"] = query["hub.challenge"].ToString() });
                return;
            }

            // Oura's check of a callback URL.
            if (query["verification_token"] == VerifyToken)
            {
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["challenge"] = query["challenge"].ToString() });
                return;
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
        });
        endpoints.MapPost("/hook", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            lock (Received)
            {
                Received.Add(("POST", new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)), context.Request.QueryString.Value ?? "", buffer.ToArray()));
            }

            context.Response.StatusCode = PostStatus;
        });
    }
}
