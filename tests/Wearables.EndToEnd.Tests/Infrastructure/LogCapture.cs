using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>One log call as the service made it: everything a sink could write out.</summary>
public sealed record CapturedLog(
    string Category,
    LogLevel Level,
    string Message,
    IReadOnlyList<KeyValuePair<string, string?>> State,
    IReadOnlyList<KeyValuePair<string, string?>> Scopes,
    string? Exception)
{
    /// <summary>Every piece of text of the entry, for "never contains" checks.</summary>
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

    public string? Value(string name) => State.Concat(Scopes).Where(p => p.Key == name).Select(p => p.Value).FirstOrDefault();

    public override string ToString() => $"[{Level}] {Category}: {Message}";
}

/// <summary>
/// Records every log call of the host at every level, with its structured state, the active
/// scopes and the exception text (message and stack), so that tests can prove what is never logged.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> entries = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

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

        // The formatted form too: a scope or state object may render more than its pairs.
        into.Add(new(fallbackKey, item?.ToString()));
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var stateValues = new List<KeyValuePair<string, string?>>();
            Flatten(state, stateValues, "(state)");
            var scopeValues = new List<KeyValuePair<string, string?>>();
            owner.scopes.ForEachScope((scope, list) => Flatten(scope, list, "(scope)"), scopeValues);
            owner.entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), stateValues, scopeValues, exception?.ToString()));
        }
    }
}
