using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Wearables.TestSupport;

/// <summary>One log call as the service made it: everything a sink could write out.</summary>
public sealed record CapturedLog(
    string Category,
    LogLevel Level,
    string Message,
    IReadOnlyList<KeyValuePair<string, string?>> State,
    IReadOnlyList<KeyValuePair<string, string?>> Scopes,
    string? Exception)
{
    /// <summary>The first state or scope value with that name.</summary>
    public string? this[string name] => Value(name);

    public string? Value(string name) => State.Concat(Scopes).Where(p => p.Key == name).Select(p => p.Value).FirstOrDefault();

    /// <summary>Every piece of text of the entry (category, message, state, scopes, exception), for "never contains" checks.</summary>
    public string AllText
    {
        get
        {
            var text = new StringBuilder().Append(Category).Append('\n').Append(Message).Append('\n');
            foreach (var (key, value) in State.Concat(Scopes))
            {
                text.Append(key).Append('=').Append(value).Append('\n');
            }

            return text.Append(Exception).ToString();
        }
    }

    public override string ToString() => $"[{Level}] {Category}: {Message}";
}

/// <summary>
/// Records every log call of a host at every level with its structured state, active scopes and
/// exception text (message and stack), so that tests can prove what the service does (and never) logs.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> entries = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => entries.ToArray();

    /// <summary>Off for the fuzz pass's bulk phase when only the level matters (keeps memory flat).</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Trace;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    /// <summary>Entries whose text contains any of the given secrets (ordinal), with the secret found.</summary>
    public IReadOnlyList<(CapturedLog Entry, string Secret)> Containing(IEnumerable<string> secrets)
    {
        var list = secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var found = new List<(CapturedLog, string)>();
        foreach (var entry in Entries)
        {
            var text = entry.AllText;
            foreach (var secret in list)
            {
                if (text.Contains(secret, StringComparison.Ordinal))
                {
                    found.Add((entry, secret));
                }
            }
        }

        return found;
    }

    public void Dispose()
    {
    }

    private static string? Render(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e => string.Join(", ", e.Cast<object?>().Select(Render)),
        _ => value.ToString(),
    };

    private static void Flatten(object? item, List<KeyValuePair<string, string?>> into, string fallbackKey)
    {
        if (item is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                into.Add(new(key, Render(value)));
            }
        }

        into.Add(new(fallbackKey, item?.ToString()));
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var stateValues = new List<KeyValuePair<string, string?>>();
            Flatten(state, stateValues, "(state)");
            var scopeValues = new List<KeyValuePair<string, string?>>();
            owner.scopes.ForEachScope((scope, list) => Flatten(scope, list, "(scope)"), scopeValues);
            owner.entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), stateValues, scopeValues, exception?.ToString()));
        }
    }
}
