using Microsoft.Data.Sqlite;
using Wearables.Application.Common.Exceptions;
using Wearables.Infrastructure.Sqlite;
using Wearables.TestSupport;

namespace Wearables.Infrastructure.Tests.Sqlite;

/// <summary>
/// <see cref="SqliteDatabase.ReadRowAsync{T}"/>: a statement prepared once on a connection kept open. Each call must
/// still see every write committed before it, by this process or another one sharing the file, and the connections
/// it keeps stay bounded, fail closed and close with the database.
/// </summary>
public sealed class KeptReaderTests
{
    private const string ReadSetting = "SELECT value FROM settings WHERE project_id = $p AND key = $k";

    [Test]
    public async Task EachRead_SeesTheWritesCommittedBeforeIt_InThisProcessAndThroughAnotherConnection()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        var path = directory.File(SqliteDatabase.FileName);
        using var database = new SqliteDatabase(path);
        var settings = new SqliteProjectSettingsStore(database, TimeProvider.System);

        Assert.That(await ReadAsync(database, "K"), Is.Null, "nothing stored yet");
        await settings.SetAsync("proj-kept", "K", "one", CancellationToken.None);
        Assert.That(await ReadAsync(database, "K"), Is.EqualTo("one"), "after this process's write");

        // Another process's write: a connection of its own, outside the database's pool and gate.
        await using (var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await other.OpenAsync();
            await using var update = other.CreateCommand();
            update.CommandText = "UPDATE settings SET value = 'two' WHERE project_id = 'proj-kept' AND key = 'K'";
            Assert.That(await update.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        Assert.That(await ReadAsync(database, "K"), Is.EqualTo("two"), "after another connection's write, on the kept statement");
        Assert.That(await ReadAsync(database, "other"), Is.Null, "the same statement, other parameters");
    }

    [Test]
    public async Task ManyCallersAtOnce_EachGetsItsOwnAnswer_AndAtMostTheBoundStaysOpen()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        var settings = new SqliteProjectSettingsStore(database, TimeProvider.System);
        for (var i = 0; i < 20; i++)
        {
            await settings.SetAsync("proj-kept", "K" + i, "v" + i, CancellationToken.None);
        }

        using var start = new ManualResetEventSlim();
        var readers = Enumerable.Range(0, 64).Select(n => Task.Run(async () =>
        {
            start.Wait();
            var answers = new List<string?>();
            for (var round = 0; round < 50; round++)
            {
                answers.Add(await ReadAsync(database, "K" + ((n + round) % 20)));
            }

            return (n, answers);
        })).ToArray();
        start.Set();

        foreach (var (n, answers) in await Task.WhenAll(readers))
        {
            Assert.That(answers, Is.EqualTo(Enumerable.Range(0, 50).Select(round => "v" + ((n + round) % 20))), $"caller {n}");
        }

        Assert.That(database.KeptReaders, Is.InRange(1, SqliteDatabase.MaxKeptReaders));
    }

    [Test]
    public async Task MoreCallersInsideAReadThanTheBound_EachGetsAConnection_AndOnlyTheBoundIsKept()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        const int Callers = SqliteDatabase.MaxKeptReaders + 2;

        // Every caller waits inside its read until all of them are inside theirs (that many connections at once),
        // counts, and waits again so that no caller is done before all have counted.
        using var inside = new Barrier(Callers);
        var reads = Enumerable.Range(0, Callers).Select(_ => Task.Factory.StartNew(
            () => database.ReadRowAsync(ReadSetting, [("$p", "proj-kept"), ("$k", "K")], r =>
            {
                Assert.That(inside.SignalAndWait(TimeSpan.FromSeconds(30)), Is.True, "all callers inside a read at once");
                var open = database.KeptReaders;
                Assert.That(inside.SignalAndWait(TimeSpan.FromSeconds(30)), Is.True, "all callers counted");
                return open;
            }, CancellationToken.None),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();
        var openWhileReading = await Task.WhenAll(reads);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(openWhileReading, Has.All.EqualTo(Callers), "one connection per caller while they read");
            Assert.That(database.KeptReaders, Is.EqualTo(SqliteDatabase.MaxKeptReaders), "the ones beyond the bound closed when their callers were done");
        }
    }

    [Test]
    [Platform("Linux")]
    public async Task DisposingTheDatabase_ClosesTheKeptConnections_EvenOneInUseThen_SoClearingThePoolFreesTheFile()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        var path = directory.File(SqliteDatabase.FileName);
        var database = new SqliteDatabase(path);
        SqliteConnection.ClearAllPools(); // the schema's connection, idle in the pool
        var before = OpenHandles(path);

        await ReadAsync(database, "K");
        Assert.That(OpenHandles(path), Is.GreaterThan(before), "a kept connection holds the file open");

        // Disposed while a read is in flight: that connection is closed when its caller is done, not kept.
        await database.ReadRowAsync(ReadSetting, [("$p", "proj-kept"), ("$k", "K")], r =>
        {
            database.Dispose();
            return r.Read();
        }, CancellationToken.None);

        // Closed, they go back to Microsoft.Data.Sqlite's pool, as every connection of the database does when done,
        // and clearing the pool closes their files. A connection still open (not given back) would keep its file.
        SqliteConnection.ClearAllPools();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(database.KeptReaders, Is.Zero);
            Assert.That(OpenHandles(path), Is.EqualTo(before), "no descriptor of a kept connection points at the database any more");
        }
    }

    [Test]
    public async Task AStatementSqliteRefuses_IsA503_AndItsConnectionIsNotKept()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        Assert.That(await ReadAsync(database, "K"), Is.Null);
        Assert.That(database.KeptReaders, Is.EqualTo(1));

        var refused = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            database.ReadRowAsync("SELECT value FROM no_such_table WHERE id = $id", [("$id", 1)], r => r.Read(), CancellationToken.None));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused!.Error, Is.EqualTo("store_unavailable"));
            Assert.That(refused.InnerException, Is.TypeOf<SqliteException>());
            Assert.That(database.KeptReaders, Is.Zero, "the connection that failed is closed, not kept");
        }

        Assert.That(await ReadAsync(database, "K"), Is.Null, "the next read opens a new one");
        Assert.That(database.KeptReaders, Is.EqualTo(1));
    }

    [Test]
    public async Task TheCallersReadThrowing_ReachesTheCaller_AndTheConnectionIsKept()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            database.ReadRowAsync<int>(ReadSetting, [("$p", "proj-kept"), ("$k", "K")], _ => throw new InvalidOperationException("the caller's"), CancellationToken.None));
        Assert.That(thrown!.Message, Is.EqualTo("the caller's"));
        Assert.That(database.KeptReaders, Is.EqualTo(1));
        Assert.That(await ReadAsync(database, "K"), Is.Null, "the kept connection still reads");
    }

    [Test]
    public async Task ParametersThatDoNotMatchThePreparedStatement_AreRefused()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        Assert.That(await ReadAsync(database, "K"), Is.Null);

        await Assert.ThrowsAsync<ArgumentException>(() => database.ReadRowAsync(ReadSetting, [("$p", "proj-kept")], r => r.Read(), CancellationToken.None), "one parameter short");
        await Assert.ThrowsAsync<ArgumentException>(() => database.ReadRowAsync(ReadSetting, [("$k", "K"), ("$p", "proj-kept")], r => r.Read(), CancellationToken.None), "in another order");
    }

    [Test]
    public async Task ACancelledCaller_ReadsNothing()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        using var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var read = false;

        await Assert.CatchAsync<OperationCanceledException>(() => database.ReadRowAsync(ReadSetting, [("$p", "p"), ("$k", "K")], r => read = true, cancelled.Token));
        Assert.That(read, Is.False);
    }

    [Test]
    public async Task DisposingTheDatabase_ClosesTheKeptConnections()
    {
        using var directory = new TempDirectory("wearables-kept-reader");
        var database = new SqliteDatabase(directory.File(SqliteDatabase.FileName));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => ReadAsync(database, "K"))));
        Assert.That(database.KeptReaders, Is.GreaterThan(0));

        database.Dispose();

        Assert.That(database.KeptReaders, Is.Zero);
    }

    /// <summary>This process's file descriptors open on the database file itself.</summary>
    private static int OpenHandles(string path)
    {
        var full = Path.GetFullPath(path);
        return new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd =>
        {
            try
            {
                return string.Equals(fd.LinkTarget, full, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // closed while listed
            }
        });
    }

    private static Task<string?> ReadAsync(SqliteDatabase database, string key) =>
        database.ReadRowAsync(ReadSetting, [("$p", "proj-kept"), ("$k", key)], r => r.Read() ? r.GetString(0) : null, CancellationToken.None);
}
