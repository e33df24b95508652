using Wearables.Application.Connections;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The embedded store, on a SQLite file of its own.</summary>
[TestFixture]
public sealed class SqliteConnectionRepositoryTests : ConnectionRepositoryContract
{
    private readonly TempDirectory directory = new("wearables-connections-tests");

    protected override Task<IConnectionRepository> CreateRepositoryAsync() =>
        Task.FromResult<IConnectionRepository>(new SqliteConnectionRepository(new SqliteDatabase(directory.File(SqliteDatabase.FileName)), TimeProvider.System));

    [OneTimeTearDown]
    public void DeleteDatabase() => directory.Dispose();
}
