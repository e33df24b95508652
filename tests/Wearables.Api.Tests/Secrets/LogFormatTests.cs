using System.Net;
using System.Text.Json;

using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Secrets;

/// <summary>
/// What the service writes to stdout, run as it is deployed: compact JSON (CLEF) in Production,
/// readable lines in Development; the request line never carries the query string.
/// </summary>
[NonParallelizable]
public sealed class LogFormatTests
{
    private const string Code = "STDOUTCANARY-code";
    private const string State = "STDOUTCANARY-state";

    [Test]
    public async Task Production_WritesOneCompactJsonEventPerLine()
    {
        var output = await RunAndCallBackAsync("Production");

        var events = output.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var requestLine = events.Single(e => e.TryGetProperty("Path", out var path) && path.GetString() == "/v1/wearables/strava/callback");
        Assert.Multiple(() =>
        {
            Assert.That(events.All(e => e.TryGetProperty("@t", out _) && e.TryGetProperty("@m", out _)), Is.True, "CLEF: a timestamp and a rendered message on every event");
            Assert.That(requestLine.GetProperty("@m").GetString(), Does.StartWith("HTTP GET /v1/wearables/strava/callback responded 401 in "));
            Assert.That(requestLine.GetProperty("Method").GetString(), Is.EqualTo("GET"));
            Assert.That(requestLine.GetProperty("StatusCode").GetInt32(), Is.EqualTo(401));
            Assert.That(requestLine.GetProperty("RequestId").GetString(), Is.Not.Empty);
            Assert.That(requestLine.GetProperty("SourceContext").GetString(), Is.EqualTo("Wearables.Api.Logging.RequestLogging"));
            Assert.That(output.Where(l => l.Contains("STDOUTCANARY", StringComparison.Ordinal)), Is.Empty, "no code or state on stdout");
        });
    }

    [Test]
    public async Task Development_WritesReadableLines()
    {
        var output = await RunAndCallBackAsync("Development");

        Assert.Multiple(() =>
        {
            Assert.That(output, Has.Some.Match(@"^\[\d\d:\d\d:\d\d INF\] Wearables\.Api\.Logging\.RequestLogging: HTTP GET /v1/wearables/strava/callback responded 401 in [\d.]+ ms \(\S+\)$"));
            Assert.That(output.Where(l => l.StartsWith("{\"@t\"", StringComparison.Ordinal)), Is.Empty);
            Assert.That(output.Where(l => l.Contains("STDOUTCANARY", StringComparison.Ordinal)), Is.Empty, "no code or state on stdout");
        });
    }

    /// <summary>Starts the built service, answers one callback with a code and a state in its query, and stops it.</summary>
    private static async Task<string[]> RunAndCallBackAsync(string environment)
    {
        using var data = new TempDirectory("log-format");
        await using var service = await BuiltService.StartAsync(environment, data.Path);
        var callback = await service.Client.GetAsync($"/v1/wearables/strava/callback?code={Code}&state={State}");
        Assert.That(callback.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        // The request line is written when the answer is done; give the console a moment.
        for (var i = 0; i < 50 && !service.Process.Output.Contains("/v1/wearables/strava/callback responded", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        return await service.StopAsync();
    }
}
