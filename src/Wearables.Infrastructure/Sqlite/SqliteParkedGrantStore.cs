using Wearables.Application.Connections.Commands.HandleCallback;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>The <c>parked_grants</c> table (<see cref="SqliteJobTable{T}"/>): one row per connection.</summary>
public sealed class SqliteParkedGrantStore(SqliteDatabase db) : SqliteJobTable<ParkedGrant>(db, "parked_grants"), IParkedGrantStore;
