using System.Collections.Concurrent;

namespace Wearables.Application.Credentials;

/// <summary>
/// Client ids already opened, by envelope and purpose, for the whole process. A client id is public
/// (every authorization URL carries it), so it may stay in memory; client and webhook secrets never
/// do. The key is the envelope itself: an entry answers only for the exact sealed value, project,
/// provider and field that opened before, so it can never return anything the protector would not.
/// Bounded: it is emptied when full (envelopes change when credentials are rewritten).
/// </summary>
public sealed class OpenedClientIds
{
    /// <summary>Far above one envelope per project and provider of a deployment.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string Envelope, string Project, string Provider), string> opened = new();

    public int Count => opened.Count;

    public bool TryGet(string envelope, string projectId, string provider, out string clientId) =>
        opened.TryGetValue((envelope, projectId, provider), out clientId!);

    public void Add(string envelope, string projectId, string provider, string clientId)
    {
        if (opened.Count >= MaxEntries)
        {
            opened.Clear();
        }

        opened[(envelope, projectId, provider)] = clientId;
    }
}
