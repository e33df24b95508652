using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Wearables.Resilience.Tests.Infrastructure;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>How one fuzz request ended.</summary>
public sealed record FuzzOutcome(FuzzRequest Request, int Status, TimeSpan Latency, string? Finding, bool Unsendable)
{
    /// <summary>Why the client library refused to send it.</summary>
    public string? Refusal { get; init; }
}

/// <summary>
/// Sends <see cref="FuzzRequest"/>s one at a time through one TestServer client (no retries, no
/// redirects, no default headers) and judges each answer: never a 5xx, never an exception out of the
/// service, never a hang, never a 2xx on a write (every body is invalid), never a stack trace in a body; a JWT that names
/// no single caller is a 401, and an admin route answers 2xx only to exactly one admin of one project.
/// A request the client library refuses to send (it never reached the service) is counted apart.
/// </summary>
public sealed class FuzzRunner(ServiceInstance service)
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(10);
    private readonly HttpClient client = service.Client(timeout: TimeSpan.FromSeconds(30));

    public async Task<FuzzOutcome> SendAsync(FuzzRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = Build(request);
        if (message is null)
        {
            return new FuzzOutcome(request, 0, TimeSpan.Zero, null, Unsendable: true) { Refusal = "not a URI or header the client accepts" };
        }

        var before = service.Probe.Requests;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead);
            var latency = Stopwatch.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            return new FuzzOutcome(request, status, latency, Judge(request, status, latency, body), Unsendable: false);
        }
        catch (Exception ex)
        {
            var latency = Stopwatch.GetElapsedTime(started);
            return service.Probe.Requests == before
                ? new FuzzOutcome(request, 0, latency, null, Unsendable: true) { Refusal = $"{ex.GetType().Name}: {ex.Message}" }
                : new FuzzOutcome(request, 0, latency, $"exception out of the service: {ex.GetType().Name}: {ex.Message}", Unsendable: false);
        }
    }

    private static string? Judge(FuzzRequest request, int status, TimeSpan latency, string body)
    {
        if (status >= 500)
        {
            return $"answered {status}: {Clip(body)}";
        }

        if (latency > NoHang)
        {
            return $"took {Durations.Ms(latency)}";
        }

        if (request.MustBeUnauthorized && status != 401)
        {
            return $"a token that names no single caller (or does not verify) answered {status}, not 401: {Clip(body)}";
        }

        if (request.AdminRoute && status is >= 200 and < 300 && !request.AdminSuccessAllowed)
        {
            return $"an admin route answered {status} to a token that is not exactly one admin of one project: {Clip(body)}";
        }

        if (request.Mutating && status is >= 200 and < 300 && !request.SuccessAllowed)
        {
            return $"accepted a malformed write with {status}: {Clip(body)}";
        }

        if (status >= 400 && (body.Contains("Exception", StringComparison.Ordinal) || body.Contains("   at ", StringComparison.Ordinal)))
        {
            return $"error body looks like it carries exception details: {Clip(body)}";
        }

        return null;
    }

    private static HttpRequestMessage? Build(FuzzRequest request)
    {
        Uri uri;
        try
        {
            // A regular Uri (TestServer reads its components): like a real client, it resolves dot segments
            // and may re-escape what is not valid in a URI; everything else reaches the service as written.
            uri = new Uri(ServiceInstance.PublicBaseUrl + request.PathAndQuery, UriKind.Absolute);
        }
        catch (UriFormatException)
        {
            return null;
        }

        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null && !message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType))
            {
                message.Dispose();
                return null;
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            HttpHeaders target = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? (HttpHeaders?)message.Content?.Headers ?? message.Headers : message.Headers;
            if (!target.TryAddWithoutValidation(name, values))
            {
                message.Dispose();
                return null;
            }
        }

        return message;
    }

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300] + "…";
}

/// <summary>Counts and findings of one fuzz pass (requests are kept only when they are findings or among the slowest).</summary>
public sealed class FuzzReport
{
    private readonly List<(string Endpoint, string Transport, string Caller, int Status, TimeSpan Latency, int BodyBytes)> sent = [];
    private readonly List<FuzzOutcome> findings = [];
    private readonly List<FuzzOutcome> slowest = [];

    public int SentCount => sent.Count;

    public int Unsendable { get; private set; }

    public Dictionary<string, int> Refusals { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<FuzzOutcome> Findings => findings;

    public void Add(FuzzOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Unsendable)
        {
            Unsendable++;
            var reason = outcome.Refusal is { Length: > 120 } text ? text[..120] : outcome.Refusal ?? "?";
            Refusals[reason] = Refusals.GetValueOrDefault(reason) + 1;
            return;
        }

        var r = outcome.Request;
        var plus = r.Family.IndexOf('+', StringComparison.Ordinal);
        sent.Add((r.Endpoint, plus < 0 ? "(no body)" : r.Family[(plus + 1)..], r.Caller, outcome.Status, outcome.Latency, r.Body?.Length ?? 0));
        if (outcome.Finding is not null)
        {
            findings.Add(outcome);
        }

        if (slowest.Count < 5 || outcome.Latency > slowest[^1].Latency)
        {
            slowest.Add(outcome);
            slowest.Sort((a, b) => b.Latency.CompareTo(a.Latency));
            if (slowest.Count > 5)
            {
                slowest.RemoveAt(5);
            }
        }
    }

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  {sent.Count} requests sent ({Unsendable} generated requests refused by the HTTP client library before reaching the service, not counted)");
        foreach (var (reason, count) in Refusals.OrderByDescending(r => r.Value).Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    refused ×{count}: {reason}");
        }

        foreach (var group in sent.GroupBy(o => o.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var statuses = string.Join(", ", group.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Key,-20} n={group.Count(),5}  {statuses}  | max {Durations.Ms(group.Max(o => o.Latency))}");
        }

        text.AppendLine("  body damage: " + string.Join(", ", sent.GroupBy(o => o.Transport).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}")));
        text.AppendLine("  callers: " + string.Join(", ", sent.GroupBy(o => o.Caller).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}")));
        text.AppendLine(CultureInfo.InvariantCulture, $"  request body bytes: {sent.Sum(o => (long)o.BodyBytes):N0} in total, largest {sent.Select(o => o.BodyBytes).DefaultIfEmpty().Max():N0}");
        text.Append("  slowest: " + string.Join("; ", slowest.Select(o => $"{Durations.Ms(o.Latency)} {Clip(o.Request.Describe())}")));
        return text.ToString();
    }

    private static string Clip(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
