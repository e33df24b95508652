using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

/// <summary>
/// Every connection of every project, a page at a time (for re-sealing after a key rotation). The
/// cursor is the store's own; a page may be short before the end. Stores that page by offset may skip
/// or repeat a connection that changes meanwhile: a walk that must see everything is repeated until
/// it finds nothing to do.
/// </summary>
public interface IConnectionInventory
{
    /// <summary>Up to <paramref name="max"/> connections after <paramref name="cursor"/> (null: from the start).</summary>
    Task<ConnectionPage> ListPageAsync(string? cursor, int max, CancellationToken cancellationToken);
}

/// <summary>One page of <see cref="IConnectionInventory"/>; <see cref="Next"/> null at the end.</summary>
public sealed record ConnectionPage(IReadOnlyList<Connection> Connections, string? Next);
