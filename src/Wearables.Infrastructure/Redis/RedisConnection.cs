using StackExchange.Redis;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Infrastructure.Redis;

/// <summary>
/// One multiplexer per process, connected lazily and never aborting on a failed connect: while
/// Redis is down, calls fail fast with a 503 and the multiplexer reconnects in the background.
/// Every command is bounded by <see cref="OperationTimeout"/>: it is the client's own async timeout,
/// checked on its heartbeat (about once a second), so a hung Redis fails a command within roughly
/// the timeout plus a second. No timer of our own per call: that cost about 2 % of connect's CPU. The client's timeout
/// covers what it has sent: a script resent from inside a batch after <c>NOSCRIPT</c> was never sent, and never timed
/// out, so no store puts a script in a batch (README, "Scripts and SCRIPT FLUSH").
/// </summary>
public sealed class RedisConnection : IStoreHealth, IDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> multiplexer;

    public RedisConnection(string configuration, TimeSpan? operationTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(2);
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = (int)OperationTimeout.TotalMilliseconds;
        options.SyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        options.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        // While disconnected, fail at once (503) instead of queueing commands until the timeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // Connected once, asynchronously: a burst of first calls waits on one connect instead of blocking threads.
        multiplexer = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public TimeSpan OperationTimeout { get; }

    /// <summary>The multiplexer, once created (it may still be disconnected: it reconnects by itself).</summary>
    public Task<ConnectionMultiplexer> MultiplexerAsync(CancellationToken cancellationToken) =>
        multiplexer.Value.WaitAsync(cancellationToken);

    public string Name => "redis";

    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            // Bounded only while the first connect is still in flight; once it is done this is the finished task itself.
            var connected = await multiplexer.Value.WaitAsync(OperationTimeout, cancellationToken).ConfigureAwait(false);
            return await work(connected.GetDatabase()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException or RedisServerException)
        {
            throw new DependencyUnavailableException("store_unavailable", "The Redis store is not available.", ex);
        }
    }

    public Task RunAsync(Func<IDatabase, Task> work, CancellationToken cancellationToken) =>
        RunAsync(async db =>
        {
            await work(db).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(db => db.PingAsync(), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DependencyUnavailableException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (multiplexer.IsValueCreated && multiplexer.Value.IsCompletedSuccessfully)
        {
            multiplexer.Value.Result.Dispose();
        }
    }
}

/// <summary>
/// Key names; project ids and slugs cannot contain ':' or braces (they are FHIR ids / slugs). On a Redis
/// Cluster every key that a script or a transaction touches together shares a hash tag (the part in
/// braces decides the slot): all API keys in <c>{apikeys}</c>, all pending revocations in
/// <c>{revocations}</c>, a project's two OAuth flow sets in <c>{project:&lt;id&gt;}</c>. Everything else is
/// read and written one key at a time and spreads over the slots. <see cref="RedisKeyLayoutMigration"/>
/// moves data written under the earlier, untagged names (<see cref="Legacy"/>).
/// </summary>
internal static class RedisKeys
{
    private const string Root = "wearables:";

    public static string Credentials(string projectId, string provider) => $"{Root}project:{projectId}:credentials:{provider}";

    /// <summary>Matches every <see cref="Credentials"/> key.</summary>
    public const string CredentialsPattern = Root + "*:credentials:*";

    /// <summary>The project and provider of a <see cref="Credentials"/> key (braces of a cluster hash tag ignored); null for another key.</summary>
    public static (string ProjectId, string Provider)? ParseCredentials(string key)
    {
        var parts = key.Split(':');
        var at = Array.LastIndexOf(parts, "credentials");
        return at >= 2 && at == parts.Length - 2 ? (parts[at - 1].Trim('{', '}'), parts[at + 1].Trim('{', '}')) : null;
    }

    public static string Settings(string projectId) => $"{Root}project:{projectId}:settings";

    private const string ApiKeysRoot = Root + "{apikeys}:";

    public static string ProjectApiKeys(string projectId) => $"{ApiKeysRoot}project:{projectId}";

    public static string ApiKeyByHash(string hash) => $"{ApiKeysRoot}hash:{hash}";

    public static string ApiKeyHashById(string id) => $"{ApiKeysRoot}id:{id}";

    public const string AnyApiKey = ApiKeysRoot + "any";

    public const string CacheInvalidationChannel = Root + "cache:invalidate";

    /// <summary>A state alone in its slot: the callback knows only the state, so nothing else can be read with it.</summary>
    public static string OAuthState(string stateHash) => $"{Root}oauth:state:{stateHash}";

    private const string RevocationsRoot = Root + "{revocations}:";

    public static string PendingRevocation(Guid connectionId) => PendingRevocationPrefix + connectionId.ToString("D");

    /// <summary>The prefix of a pending revocation's key (+ connection id).</summary>
    public const string PendingRevocationPrefix = RevocationsRoot + "revocation:";

    /// <summary>Sorted set of connection ids by due time (unix milliseconds).</summary>
    public const string RevocationsDue = RevocationsRoot + "due";

    // Like the revocations, one hash tag: a claim's script reads the due set and the grants' keys together.
    private const string ParkedRoot = Root + "{parked}:";

    /// <summary>The prefix of a parked grant's key (+ connection id).</summary>
    public const string ParkedGrantPrefix = ParkedRoot + "grant:";

    /// <summary>Sorted set of connection ids of parked grants by due time (unix milliseconds).</summary>
    public const string ParkedGrantsDue = ParkedRoot + "due";

    /// <summary>The key-check records: one sealed canary per master key id that may still have envelopes.</summary>
    public const string KeyChecks = Root + "keychecks";

    /// <summary>The connection id is a hash of project, patient and provider (<see cref="Domain.Connections.Connection.IdFor"/>).</summary>
    public static string RefreshLock(Guid connectionId) => $"{Root}refresh:lock:{connectionId:N}";

    public static string RefreshBackoff(Guid connectionId) => $"{Root}refresh:backoff:{connectionId:N}";

    public const string RefreshSchedule = Root + "refresh:schedule";

    /// <summary>The pending flows (state hashes) of one patient and provider in a project, oldest first.</summary>
    public static string OAuthFlows(string projectId, string provider, string patientId) => $"{Root}oauth:{{project:{projectId}}}:flows:{provider}:{patientId}";

    /// <summary>The pending flows (state hashes) of a project, by expiry.</summary>
    public static string OAuthProjectStates(string projectId) => $"{Root}oauth:{{project:{projectId}}}:states";

    /// <summary>The projects that have begun a flow (for counting pending states without a scan).</summary>
    public const string OAuthProjects = Root + "oauth:projects";

    /// <summary>The names before the keys were tagged for Redis Cluster, as single-node installs wrote them.</summary>
    internal static class Legacy
    {
        public static string ProjectApiKeys(string projectId) => $"{Root}project:{projectId}:apikeys";

        public const string ApiKeyByHashPattern = Root + "apikey:hash:*";

        public static string ApiKeyHashById(string id) => $"{Root}apikey:id:{id}";

        public const string AnyApiKey = Root + "apikey:any";

        public static string PendingRevocation(string connectionId) => Root + "revocation:" + connectionId;

        public const string RevocationsDue = Root + "revocations:due";
    }
}
