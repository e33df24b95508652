using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Wearables.Application.Common;

/// <summary>
/// Values computed once and kept for the process, at most <see cref="MaxEntries"/> of them: when
/// full, everything is dropped and computed again as needed. For values that never change for their
/// key, so a dropped entry costs only its recomputation.
/// </summary>
public class BoundedMemo<TKey, TValue>(int maxEntries)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> entries = new();

    public int MaxEntries { get; } = maxEntries;

    public int Count => entries.Count;

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value) => entries.TryGetValue(key, out value);

    public void Add(TKey key, TValue value)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[key] = value;
    }
}
