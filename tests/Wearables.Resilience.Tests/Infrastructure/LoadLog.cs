using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Wearables.Resilience.Tests.Infrastructure;

/// <summary>One request made by a drill: what, when (relative to the drill's start), how it ended, how long it took.</summary>
public sealed record Sample(string Label, string Phase, TimeSpan StartedAt, TimeSpan Latency, int Status, string? Error, string? Exception, string? Body = null)
{
    /// <summary>"200", "503 store_unavailable", "EXCEPTION TaskCanceledException".</summary>
    public string Outcome => Exception is not null ? "EXCEPTION " + Exception : Error is null ? Status.ToString(CultureInfo.InvariantCulture) : $"{Status} {Error}";
}

/// <summary>Thread-safe log of <see cref="Sample"/>s with a printable summary (counts per outcome, max latency).</summary>
public sealed class LoadLog
{
    private readonly ConcurrentQueue<Sample> samples = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public TimeSpan Now => clock.Elapsed;

    public IReadOnlyList<Sample> Samples => samples.ToArray();

    /// <summary>Times <paramref name="call"/> and records its outcome; never throws.</summary>
    public async Task<Sample> RecordAsync(string label, string phase, Func<Task<Answer>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = clock.Elapsed;
        Sample sample;
        try
        {
            var answer = await call();
            sample = new Sample(label, phase, started, clock.Elapsed - started, answer.Status, answer.Error, null, answer.Body);
        }
        catch (Exception ex)
        {
            sample = new Sample(label, phase, started, clock.Elapsed - started, 0, null, ex.GetType().Name);
        }

        samples.Enqueue(sample);
        return sample;
    }

    public static string Summarize(IEnumerable<Sample> samples)
    {
        var list = samples.ToList();
        if (list.Count == 0)
        {
            return "  (no requests)";
        }

        var text = new StringBuilder();
        foreach (var group in list.GroupBy(s => (s.Phase, s.Label)).OrderBy(g => g.Min(s => s.StartedAt)))
        {
            var outcomes = string.Join(", ", group.GroupBy(s => s.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}"));
            var latencies = group.Select(s => s.Latency).OrderBy(t => t).ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  [{group.Key.Phase,-10}] {group.Key.Label,-22} n={group.Count(),5}  {outcomes}  | latency median {Durations.Ms(latencies[latencies.Count / 2])}, max {Durations.Ms(latencies[^1])}");
        }

        return text.ToString().TrimEnd();
    }
}
