using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Sqlite;

/// <summary>The embedded store's directory is 0700 and its database, WAL and shared-memory files 0600 (stat on Linux).</summary>
[Platform("Linux,MacOsX")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    [Test]
    public async Task NewDatabase_ItsDirectoryIs0700_AndTheDatabaseWalAndShmAre0600()
    {
        var root = Path.Combine(Path.GetTempPath(), "wearables-modes-" + Guid.NewGuid().ToString("N"));
        var directory = Path.Combine(root, "data");
        var path = Path.Combine(directory, SqliteDatabase.FileName);
        try
        {
            using var database = new SqliteDatabase(path);

            // A write, so that SQLite creates the -wal and -shm files beside the database.
            await new SqliteProjectSettingsStore(database, TimeProvider.System).SetAsync("proj-modes", "K", "v", CancellationToken.None);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(File.GetUnixFileMode(directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "data directory");
                foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                {
                    Assert.That(File.Exists(file), Is.True, file);
                    Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), Path.GetFileName(file));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
