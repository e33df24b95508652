using Microsoft.Data.Sqlite;
using Wearables.Application.Common.Interfaces;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The embedded store, on a SQLite file of its own.</summary>
[TestFixture]
public sealed class SqliteConnectionRepositoryTests : ConnectionRepositoryContract
{
    private string directory = null!;

    protected override Task<IConnectionRepository> CreateRepositoryAsync()
    {
        directory = Path.Combine(Path.GetTempPath(), "wearables-connections-tests", Guid.NewGuid().ToString("N"));
        var database = new SqliteDatabase(Path.Combine(directory, SqliteDatabase.FileName));
        return Task.FromResult<IConnectionRepository>(new SqliteConnectionRepository(database, TimeProvider.System));
    }

    [OneTimeTearDown]
    public void DeleteDatabase()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
