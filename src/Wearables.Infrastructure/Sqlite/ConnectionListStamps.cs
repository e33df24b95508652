using Microsoft.Data.Sqlite;

namespace Wearables.Infrastructure.Sqlite;

/// <summary>
/// One row per user with connections (project + patient): a stamp that SQLite itself changes, in the same transaction,
/// whenever a connection row of that user is inserted, updated or deleted, by whichever process or tool writes the
/// file. The list reads this one row to know whether the user's list it keeps is still the stored one
/// (<see cref="SqliteConnectionRepository.ListSummariesByPatientAsync"/>), however many connections the user has.
/// </summary>
internal static class ConnectionListStamps
{
    /// <summary>The user's stamp; no row for a user without connections (or whose row was removed by hand).</summary>
    public const string Read = "SELECT stamp FROM connection_lists WHERE project_id = $p AND patient_id = $pt";

    // A stamp starts at a random value (random() >> 1 keeps room for increments): a row removed by hand and written
    // again does not restart at a value a list was kept under. Each write of a row adds 1.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS connection_lists (
            project_id TEXT NOT NULL, patient_id TEXT NOT NULL, stamp INTEGER NOT NULL,
            PRIMARY KEY (project_id, patient_id)) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS connection_lists_on_insert AFTER INSERT ON connections BEGIN
            INSERT OR IGNORE INTO connection_lists (project_id, patient_id, stamp) VALUES (new.project_id, new.patient_id, random() >> 1);
            UPDATE connection_lists SET stamp = stamp + 1 WHERE project_id = new.project_id AND patient_id = new.patient_id;
        END;
        CREATE TRIGGER IF NOT EXISTS connection_lists_on_update AFTER UPDATE ON connections BEGIN
            INSERT OR IGNORE INTO connection_lists (project_id, patient_id, stamp) VALUES (new.project_id, new.patient_id, random() >> 1);
            UPDATE connection_lists SET stamp = stamp + 1 WHERE project_id = new.project_id AND patient_id = new.patient_id;
            UPDATE connection_lists SET stamp = stamp + 1 WHERE project_id = old.project_id AND patient_id = old.patient_id
                AND (old.project_id IS NOT new.project_id OR old.patient_id IS NOT new.patient_id);
        END;
        CREATE TRIGGER IF NOT EXISTS connection_lists_on_delete AFTER DELETE ON connections BEGIN
            UPDATE connection_lists SET stamp = stamp + 1 WHERE project_id = old.project_id AND patient_id = old.patient_id;
        END;
        INSERT OR IGNORE INTO connection_lists (project_id, patient_id, stamp)
            SELECT project_id, patient_id, random() >> 1 FROM connections GROUP BY project_id, patient_id;
        DROP INDEX IF EXISTS connections_list_stamp;
        """;

    /// <summary>
    /// Migration step 4: the table, its triggers and a row for every user already stored, in one transaction (safe
    /// to repeat). The index that served the earlier stamp (row count and version sum) goes.
    /// </summary>
    public static void AddTo(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var command = connection.Command(Schema))
        {
            command.Transaction = transaction;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
