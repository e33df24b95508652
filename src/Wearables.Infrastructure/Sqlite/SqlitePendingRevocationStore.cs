using Wearables.Application.Connections.Commands.Disconnect;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>The <c>pending_revocations</c> table (<see cref="SqliteJobTable{T}"/>): one row per connection.</summary>
public sealed class SqlitePendingRevocationStore(SqliteDatabase db) : SqliteJobTable<PendingRevocation>(db, "pending_revocations"), IPendingRevocationStore;
