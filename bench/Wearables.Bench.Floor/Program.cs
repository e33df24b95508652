// The floor: the least that POST /connect must do here, in the same process style (Kestrel,
// one endpoint, StackExchange.Redis): mint a 256-bit state and SET it with an expiry.
// Whatever connect costs beyond this is the service's own overhead.
using System.Security.Cryptography;
using StackExchange.Redis;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var redis = await ConnectionMultiplexer.ConnectAsync(builder.Configuration["Redis"] ?? "127.0.0.1:6379");
var db = redis.GetDatabase();
var app = builder.Build();
app.MapPost("/floor", async () =>
{
    var state = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    await db.StringSetAsync("floor:" + state, "{\"p\":\"bench\"}", TimeSpan.FromSeconds(600)).ConfigureAwait(false);
    return Results.Json(new FloorResponse(state));
});
await app.RunAsync();

internal sealed record FloorResponse(string State);
