using System.Collections.Concurrent;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>Every secret a fixture handed to or got from the service, by kind, for "never logged / never stored" checks.</summary>
public sealed class SecretLedger
{
    private readonly ConcurrentDictionary<string, string> kinds = new(StringComparer.Ordinal);

    public void Add(string kind, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            kinds.TryAdd(value, kind);
        }
    }

    /// <summary>Value → kind.</summary>
    public IReadOnlyDictionary<string, string> All => new Dictionary<string, string>(kinds, StringComparer.Ordinal);

    public IEnumerable<string> Values => kinds.Keys;
}
