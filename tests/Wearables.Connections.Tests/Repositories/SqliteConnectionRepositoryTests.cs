using Microsoft.Data.Sqlite;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>The embedded store, on a SQLite file of its own.</summary>
[TestFixture]
public sealed class SqliteConnectionRepositoryTests : ConnectionRepositoryContract
{
    private readonly TempDirectory directory = new("wearables-connections-tests");

    protected override Task<IConnectionRepository> CreateRepositoryAsync() =>
        Task.FromResult<IConnectionRepository>(new SqliteConnectionRepository(new SqliteDatabase(directory.File(SqliteDatabase.FileName)), TestCodec.Instance, TimeProvider.System));

    protected override async Task<string> StoredResourceAsync(Connection saved)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = directory.File(SqliteDatabase.FileName), Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT resource FROM connections WHERE id = $id";
        select.Parameters.AddWithValue("$id", saved.Id.ToString("D"));
        return (string)(await select.ExecuteScalarAsync())!;
    }

    [OneTimeTearDown]
    public void DeleteDatabase() => directory.Dispose();
}
