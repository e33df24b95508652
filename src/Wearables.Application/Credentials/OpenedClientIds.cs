using Wearables.Application.Common;

namespace Wearables.Application.Credentials;

/// <summary>
/// Client ids already opened, by envelope and purpose, for the whole process. A client id is public
/// (every authorization URL carries it), so it may stay in memory; client and webhook secrets never
/// do. The key is the envelope itself: an entry answers only for the exact sealed value, project
/// and provider that opened before, so it can never return anything the protector would not.
/// Envelopes change when credentials are rewritten; the bound is far above one per project and provider.
/// </summary>
public sealed class OpenedClientIds() : BoundedMemo<(string Envelope, string Project, string Provider), string>(10_000);
