// Load shapes wrk cannot give, printing wrk's RESULT lines (bench/wrk/report.lua) for bench/run.sh:
//   storm  <callers> <api key> <path> <body> <url>...   every caller at once, spread over the urls; each sends one
//                                                       request; latency from the common start until its answer
//   warmup <seconds> <connections> <api key> <path> <body> <url> <self-warm url>
//                                                       closed loop on a service started just before: requests
//                                                       per 5 s window, and the first 1,000 requests' latencies
// The client warms itself up first (its own JIT would otherwise count as the service's).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

var invariant = CultureInfo.InvariantCulture;
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    ConnectTimeout = TimeSpan.FromSeconds(10),
})
{ Timeout = TimeSpan.FromSeconds(60) };

HttpRequestMessage Request(string url, string path, string key, string body)
{
    var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(url), path))
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
        Version = HttpVersion.Version11,
    };
    request.Headers.Add("X-API-Key", key);
    return request;
}

async Task<(bool Ok, string Body)> SendAsync(string url, string path, string key, string body)
{
    try
    {
        using var request = Request(url, path, key, body);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        return (false, string.Empty);
    }
}

async Task SelfWarmAsync(string url, TimeSpan duration)
{
    var until = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        while (until.Elapsed < duration)
        {
            await SendAsync(url, "/floor", string.Empty, string.Empty).ConfigureAwait(false);
        }
    })).ConfigureAwait(false);
}

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

void Result(string name, double rps, List<double> latenciesMs, int errors, int non2xx)
{
    latenciesMs.Sort();
    Console.WriteLine(string.Create(invariant,
        $"RESULT {name} {rps:0} {Percentile(latenciesMs, 50):0.00} {Percentile(latenciesMs, 99):0.00} {errors} {non2xx} {(latenciesMs.Count == 0 ? 0 : latenciesMs.Average()):0.00} {latenciesMs.Count + errors + non2xx}"));
}

switch (args.FirstOrDefault())
{
    case "storm" when args.Length >= 6:
    {
        var (callers, key, path, body, urls) = (int.Parse(args[1], invariant), args[2], args[3], args[4], args[5..]);
        // Every caller's connection is opened before the start, so that the storm measures the service, not TCP set-up.
        await Task.WhenAll(Enumerable.Range(0, callers).Select(i => http.GetAsync(new Uri(new Uri(urls[i % urls.Length]), "/health/live"))));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var calls = Enumerable.Range(0, callers).Select(async i =>
        {
            await start.Task.ConfigureAwait(false);
            var answer = await SendAsync(urls[i % urls.Length], path, key, body).ConfigureAwait(false);
            return (answer.Ok, answer.Body, Ms: clock.Elapsed.TotalMilliseconds);
        }).ToArray();
        clock.Restart();
        start.SetResult();
        var answers = await Task.WhenAll(calls);
        var elapsed = clock.Elapsed.TotalSeconds;
        var tokens = answers.Where(a => a.Ok).Select(a => JsonDocument.Parse(a.Body).RootElement.GetProperty("access_token").GetString()).Distinct().Count();
        Result(Environment.GetEnvironmentVariable("BENCH_NAME") ?? "storm", callers / elapsed, [.. answers.Where(a => a.Ok).Select(a => a.Ms)], 0, answers.Count(a => !a.Ok));
        // The storm is right only when every caller got one and the same token.
        Console.WriteLine(string.Create(invariant, $"STORM callers={callers} ok={answers.Count(a => a.Ok)} distinct_tokens={tokens} all_done_ms={answers.Max(a => a.Ms):0.0}"));
        return answers.All(a => a.Ok) && tokens == 1 ? 0 : 1;
    }

    case "warmup" when args.Length == 8:
    {
        var (seconds, connections, key, path, body, url, floor) =
            (int.Parse(args[1], invariant), int.Parse(args[2], invariant), args[3], args[4], args[5], args[6], args[7]);
        await SelfWarmAsync(floor, TimeSpan.FromSeconds(3));
        var windows = new int[(seconds + 4) / 5];
        var perSecond = new int[seconds + 1];
        var first = new List<double>(1000);
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var sent = clock.Elapsed.TotalMilliseconds;
                var (ok, _) = await SendAsync(url, path, key, body).ConfigureAwait(false);
                var done = clock.Elapsed;
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }

                Interlocked.Increment(ref perSecond[Math.Min((int)done.TotalSeconds, seconds)]);
                var window = (int)(done.TotalSeconds / 5);
                if (window < windows.Length)
                {
                    Interlocked.Increment(ref windows[window]);
                }

                lock (first)
                {
                    if (first.Count < 1000)
                    {
                        first.Add(done.TotalMilliseconds - sent);
                    }
                }
            }
        }));
        var name = Environment.GetEnvironmentVariable("BENCH_NAME") ?? "warmup";
        Result(name + "_first_1000", double.NaN, first, errors, 0);
        for (var w = 0; w < windows.Length; w++)
        {
            Result(string.Create(invariant, $"{name}_{w * 5}_to_{w * 5 + 5}s"), windows[w] / 5.0, [], 0, 0);
        }

        // The ramp itself: answers completed in each second from the first request on.
        Console.WriteLine($"PER_SECOND {name} {string.Join(' ', perSecond[..seconds])}");

        return 0;
    }

    default:
        Console.Error.WriteLine("usage: storm <callers> <key> <path> <body> <url>... | warmup <seconds> <connections> <key> <path> <body> <url> <self-warm url>");
        return 2;
}
