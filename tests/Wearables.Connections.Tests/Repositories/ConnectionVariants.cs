using Wearables.Domain.Connections;
using Wearables.Connections.Tests.Support;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// Connections in every state a repository must keep: OAuth (active, revoked, expired, synced,
/// with and without username/scope/refresh token) and Junction (each link status). Timestamps
/// have millisecond precision, what FHIR servers commonly keep of an instant (the codec keeps
/// every tick; the contract checks finer times on their own).
/// </summary>
public static class ConnectionVariants
{
    public static readonly DateTimeOffset T0 = new(2024, 1, 10, 8, 0, 0, 123, TimeSpan.Zero);

    public static IEnumerable<string> OAuth =>
        ["oauth-active", "oauth-no-username", "oauth-no-refresh-no-scope", "oauth-synced", "oauth-revoked", "oauth-expired", "oauth-offset-timestamps"];

    public static IEnumerable<string> Junction => ["junction-connected", "junction-pending", "junction-error", "junction-disconnected"];

    public static IEnumerable<string> All => OAuth.Concat(Junction);

    public static Connection Build(string variant, string projectId, string patientId)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var provider = variant.StartsWith("junction", StringComparison.Ordinal) ? "oura" : "strava";
        var source = provider == "oura" ? ConnectionSource.Junction : ConnectionSource.OAuth;
        var connection = Connection.Create(projectId, patientId, provider, source, T0);
        switch (variant)
        {
            case "oauth-active":
                connection.Authorize(Grant("john_runner", "read,activity:read_all", refresh: true), "https://www.strava.com/api/v3", T0.AddMinutes(1));
                break;
            case "oauth-no-username":
                connection.Authorize(Grant(null, "read", refresh: true), "https://www.strava.com/api/v3", T0.AddMinutes(1));
                break;
            case "oauth-no-refresh-no-scope":
                connection.Authorize(Grant("polar_user", null, refresh: false), "https://www.polaraccesslink.com", T0.AddMinutes(1));
                break;
            case "oauth-synced":
                connection.Authorize(Grant("john_runner", "read", refresh: true), "https://www.strava.com/api/v3", T0.AddMinutes(1));
                connection = ConnectionStates.Synced(connection, T0.AddDays(2).AddMilliseconds(456));
                break;
            case "oauth-revoked":
                connection.Authorize(Grant("john_runner", "read", refresh: true), "https://www.strava.com/api/v3", T0.AddMinutes(1));
                connection = ConnectionStates.Revoked(ConnectionStates.Synced(connection, T0.AddDays(1)), T0.AddDays(3));
                break;
            case "oauth-expired":
                connection.Authorize(Grant(null, "activity:read_all", refresh: true), "https://www.strava.com/api/v3", T0.AddMinutes(1));
                connection = ConnectionStates.Expired(connection, T0.AddDays(4));
                break;
            case "oauth-offset-timestamps":
                // Stored as UTC instants: the same moments must come back.
                var local = new DateTimeOffset(2024, 3, 15, 12, 30, 0, 789, TimeSpan.FromHours(2));
                connection.Authorize(Grant("x", "read", refresh: true), "https://www.strava.com/api/v3", local);
                connection = ConnectionStates.Synced(connection, local.AddHours(1));
                break;
            case "junction-connected":
                connection.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000001", LinkStatus.Connected, "https://api.tryvital.io/", T0.AddMinutes(1));
                break;
            case "junction-pending":
                connection.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000002", LinkStatus.Pending, "https://api.tryvital.io/", T0.AddMinutes(1));
                break;
            case "junction-error":
                connection.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000003", LinkStatus.Error, "https://api.tryvital.io/", T0.AddMinutes(1));
                connection = ConnectionStates.Synced(connection, T0.AddHours(5));
                break;
            case "junction-disconnected":
                connection.LinkThroughJunction("9f2c6f0e-1a2b-4c3d-8e9f-000000000004", LinkStatus.Disconnected, "https://api.tryvital.io/", T0.AddMinutes(1));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(variant), variant, null);
        }

        return connection;
    }

    private static OAuthGrant Grant(string? username, string? scope, bool refresh) => new(
        "wv1.k1.ACCESS" + Guid.NewGuid().ToString("N"),
        refresh ? "wv1.k1.REFRESH" + Guid.NewGuid().ToString("N") : null,
        T0.AddHours(6).AddMilliseconds(1),
        scope,
        "athlete-" + Guid.NewGuid().ToString("N")[..8],
        username);

    /// <summary>Every stored field, compared one by one (the version is the store's, not ours).</summary>
    public static void AssertSameFields(Connection actual, Connection expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        var a = ConnectionStates.Snapshot(actual);
        var e = ConnectionStates.Snapshot(expected);
        using (Assert.EnterMultipleScope())
        {
            foreach (var property in typeof(ConnectionSnapshot).GetProperties().Where(p => p.Name != nameof(ConnectionSnapshot.Version)))
            {
                Assert.That(property.GetValue(a), Is.EqualTo(property.GetValue(e)), property.Name);
            }
        }
    }
}
