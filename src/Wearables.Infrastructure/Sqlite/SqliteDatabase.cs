using Microsoft.Data.Sqlite;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// The embedded store: one SQLite file (WAL mode) holding settings, credentials, API keys, OAuth
/// states, pending revocations, parked grants, key checks, connections and the webhook inbox. Connections are pooled; every operation opens and closes its own.
/// Writes in this process go through one async gate: SQLite allows one writer at a time, and a
/// writer that finds the file locked sleeps (Microsoft.Data.Sqlite retries every 150 ms), so
/// queueing writers here instead keeps write latency at the cost of the write itself.
/// </summary>
public sealed class SqliteDatabase : IStoreHealth, IDisposable
{
    public const string FileName = "wearables.db";

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS settings (
            project_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (project_id, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS credentials (
            project_id TEXT NOT NULL, provider TEXT NOT NULL,
            client_id TEXT NOT NULL, client_secret TEXT NOT NULL, webhook_secret TEXT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (project_id, provider)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL UNIQUE, project_id TEXT NOT NULL, role TEXT NOT NULL,
            patient_id TEXT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT NULL);
        CREATE INDEX IF NOT EXISTS api_keys_project ON api_keys (project_id);
        -- Step 2 of Migrate adds project_id and flow (provider + patient) to a table of the first schema.
        CREATE TABLE IF NOT EXISTS oauth_states (
            state_hash TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS oauth_states_expiry ON oauth_states (expires_at);
        CREATE TABLE IF NOT EXISTS pending_revocations (
            connection_id TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, due_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS pending_revocations_due ON pending_revocations (due_at);
        CREATE TABLE IF NOT EXISTS parked_grants (
            connection_id TEXT NOT NULL PRIMARY KEY, payload TEXT NOT NULL, due_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS parked_grants_due ON parked_grants (due_at);
        CREATE TABLE IF NOT EXISTS key_checks (key_id TEXT NOT NULL PRIMARY KEY, canary TEXT NOT NULL) WITHOUT ROWID;
        -- The listed fields of a connection are columns that Migrate adds (ConnectionListColumns).
        CREATE TABLE IF NOT EXISTS connections (
            id TEXT NOT NULL PRIMARY KEY, project_id TEXT NOT NULL, patient_id TEXT NOT NULL, provider TEXT NOT NULL,
            version INTEGER NOT NULL, resource TEXT NOT NULL, updated_at TEXT NOT NULL,
            UNIQUE (project_id, patient_id, provider));
        -- Each user's list stamp: a table and triggers that Migrate adds (ConnectionListStamps).
        CREATE TABLE IF NOT EXISTS refresh_schedule (connection_key TEXT NOT NULL PRIMARY KEY, expires_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS refresh_schedule_due ON refresh_schedule (expires_at);
        """;

    /// <summary>Open connections kept for <see cref="ReadRowAsync{T}"/>, at most (one per caller at a time, more only briefly).</summary>
    internal const int MaxKeptReaders = 8;

    private readonly string connectionString;
    private readonly SemaphoreSlim writeGate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentBag<KeptReader> keptReaders = [];
    private int keptReaderCount;
    private bool disposed;

    public SqliteDatabase(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            PrivateFiles.CreateDirectory(directory);
        }

        // 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
        PrivateFiles.CreateEmptyFile(path);

        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
        FilePath = path;
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = Schema;
        command.ExecuteNonQuery();
        Migrate(connection);
        SqliteOAuthStateStore.EnsureStateCounts(connection);
    }

    public string FilePath { get; }

    /// <summary>How long a write may wait for the writers before it (then 503, as for a locked file).</summary>
    public static TimeSpan WriteQueueTimeout { get; } = TimeSpan.FromSeconds(5);

    private static readonly Action<SqliteConnection>[] MigrationSteps =
    [
        ConnectionListColumns.AddTo, // 1: the listed fields of connections in columns
        SqliteOAuthStateStore.AddFlowColumns, // 2: the project and flow of each state, for the bound
        Webhooks.SqliteWebhookSchema.AddTo, // 3: connections' last event time and provider user index; the webhook inbox and subscriptions
        ConnectionListStamps.AddTo, // 4: each user's list stamp, changed by SQLite at every write of the user's connections
    ];

    /// <summary>The <c>user_version</c> of a file whose every migration step has run.</summary>
    public static int SchemaVersion => MigrationSteps.Length;

    /// <summary>
    /// Brings a file of any earlier schema up to date, step by step (the step reached is SQLite's
    /// <c>user_version</c>). A new file goes through the same steps as an old one. Each step is
    /// safe to repeat, so two processes opening one file at once do no harm.
    /// </summary>
    private static void Migrate(SqliteConnection connection)
    {
        var steps = MigrationSteps;
        using var read = connection.Command("PRAGMA user_version");
        for (var reached = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture); reached < steps.Length; reached++)
        {
            steps[reached](connection);
            using var done = connection.Command($"PRAGMA user_version = {reached + 1}");
            done.ExecuteNonQuery();
        }
    }

    public string Name => "sqlite";

    /// <summary>Runs <paramref name="work"/>, which only reads, on an open connection; SQLite failures become 503s.</summary>
    public Task<T> RunAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken) =>
        RunCoreAsync(work, writes: false, cancellationToken);

    private async Task<T> RunCoreAsync<T>(Func<SqliteConnection, Task<T>> work, bool writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // WAL + NORMAL: durable across application crashes, one fsync per checkpoint instead of per commit.
            // It only matters to writes, so reads skip the statement.
            if (writes)
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return await work(connection).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// One statement that only reads, on a connection kept open with the statement prepared: for the hottest reads
    /// (a connection of the token path, a user's list stamp), where preparing the statement again on every call cost
    /// more than running it. Each call is its own autocommit read, so it sees every write committed before it, by any
    /// process sharing the file, as <see cref="RunAsync{T}"/> does. <paramref name="read"/> gets the reader before its
    /// first row and must not keep it. A connection that failed is dropped, not kept; SQLite failures become 503s.
    /// </summary>
    public Task<T> ReadRowAsync<T>(string sql, (string Name, object? Value)[] parameters, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(read);
        cancellationToken.ThrowIfCancellationRequested();
        KeptReader? reader = null;
        try
        {
            if (!keptReaders.TryTake(out reader))
            {
                reader = new KeptReader(connectionString);
                Interlocked.Increment(ref keptReaderCount);
            }

            var result = reader.Run(sql, parameters, read);
            Return(reader);
            return Task.FromResult(result);
        }
        catch (SqliteException ex)
        {
            if (reader is not null)
            {
                Drop(reader);
            }

            return Task.FromException<T>(Unavailable(ex));
        }
        catch (Exception ex)
        {
            // Not the store's failure (the caller's read threw): the connection is as good as before.
            if (reader is not null)
            {
                Return(reader);
            }

            return Task.FromException<T>(ex);
        }
    }

    /// <summary>What every SQLite failure becomes: a 503 (the file is locked, unreadable, or gone).</summary>
    private static DependencyUnavailableException Unavailable(SqliteException ex) =>
        new("store_unavailable", "The embedded store is not available.", ex);

    private void Return(KeptReader reader)
    {
        if (Volatile.Read(ref disposed) || Volatile.Read(ref keptReaderCount) > MaxKeptReaders)
        {
            Drop(reader);
            return;
        }

        keptReaders.Add(reader);
    }

    private void Drop(KeptReader reader)
    {
        reader.Dispose();
        Interlocked.Decrement(ref keptReaderCount);
    }

    /// <summary>Connections kept open now (for tests: bounded by <see cref="MaxKeptReaders"/> once the callers are done).</summary>
    internal int KeptReaders => Volatile.Read(ref keptReaderCount);

    /// <summary>As <see cref="RunAsync{T}"/>, for work that writes (every write must come here): one writer of this process at a time.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        if (!await writeGate.WaitAsync(WriteQueueTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new DependencyUnavailableException("store_unavailable", "The embedded store is busy.");
        }

        try
        {
            return await RunCoreAsync(work, writes: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeGate.Release();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref disposed, true);
        while (keptReaders.TryTake(out var reader))
        {
            Drop(reader);
        }

        writeGate.Dispose();
    }

    /// <summary>
    /// An open connection and the statements prepared on it, by SQL text; used by one caller at a time. Disposed, its
    /// connection goes back to Microsoft.Data.Sqlite's pool like any other of this database's.
    /// </summary>
    private sealed class KeptReader : IDisposable
    {
        private readonly SqliteConnection connection;
        private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

        public KeptReader(string connectionString)
        {
            connection = new SqliteConnection(connectionString);
            try
            {
                connection.Open();
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public T Run<T>(string sql, (string Name, object? Value)[] parameters, Func<SqliteDataReader, T> read)
        {
            if (!commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                foreach (var (name, _) in parameters)
                {
                    command.Parameters.Add(new SqliteParameter { ParameterName = name });
                }

                command.Prepare();
                commands[sql] = command;
            }

            if (command.Parameters.Count != parameters.Length)
            {
                throw new ArgumentException($"The statement takes {command.Parameters.Count} parameters, not {parameters.Length}.", nameof(parameters));
            }

            for (var i = 0; i < parameters.Length; i++)
            {
                var parameter = command.Parameters[i];
                if (!string.Equals(parameter.ParameterName, parameters[i].Name, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Parameter {i} is {parameter.ParameterName}, not {parameters[i].Name}.", nameof(parameters));
                }

                parameter.Value = parameters[i].Value ?? DBNull.Value;
            }

            using var reader = command.ExecuteReader();
            return read(reader);
        }

        public void Dispose()
        {
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(async c =>
            {
                await using var command = c.CreateCommand();
                command.CommandText = "SELECT 1";
                return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            return false;
        }
    }
}
