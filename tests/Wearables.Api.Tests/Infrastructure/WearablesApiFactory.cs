namespace Wearables.Api.Tests.Infrastructure;

/// <summary>
/// The service for the Api tests: the common test host, in Redis mode with a dedicated
/// redis-server (the bootstrap only happens on an empty key store). Create with
/// <see cref="StartAsync"/>, which also starts that Redis.
/// </summary>
public sealed class WearablesApiFactory : WearablesServiceFactory
{
    private readonly bool ownsRedis;

    /// <param name="mode">Embedded or Redis storage.</param>
    /// <param name="extraSettings">More configuration; a null value sets the key to empty.</param>
    /// <param name="storeOf">Share this factory's data directory, master key and Redis (a second instance, or a restart), instead of fresh ones.</param>
    public WearablesApiFactory(StorageMode mode, IReadOnlyDictionary<string, string?>? extraSettings = null, WearablesApiFactory? storeOf = null)
        : this(mode, extraSettings, storeOf, storeOf?.Redis, ownsRedis: false)
    {
    }

    private WearablesApiFactory(StorageMode mode, IReadOnlyDictionary<string, string?>? extraSettings, WearablesApiFactory? storeOf, RedisServer? redis, bool ownsRedis)
        : base(new WearablesServiceOptions
        {
            Storage = mode,
            RedisConnectionString = redis?.ConnectionString,
            MasterKey = storeOf?.MasterKey ?? NewMasterKey(),
            DataDirectory = storeOf?.DataDirectory,
            Settings = extraSettings ?? new Dictionary<string, string?>(),
        })
    {
        Redis = redis;
        this.ownsRedis = ownsRedis;
    }

    /// <summary>The dedicated redis-server in Redis mode; null in Embedded mode.</summary>
    public RedisServer? Redis { get; }

    /// <summary>Starts the dedicated Redis (Redis mode) and the host, so that the bootstrap key exists.</summary>
    public static async Task<WearablesApiFactory> StartAsync(
        StorageMode mode, IReadOnlyDictionary<string, string?>? extraSettings = null, WearablesApiFactory? storeOf = null)
    {
        var ownRedis = mode == StorageMode.Redis && storeOf?.Redis is null ? await RedisServer.StartNewAsync() : null;
        WearablesApiFactory? factory = null;
        try
        {
            factory = new WearablesApiFactory(mode, extraSettings, storeOf, ownRedis ?? storeOf?.Redis, ownsRedis: ownRedis is not null);
            _ = factory.Server;
            return factory;
        }
        catch
        {
            if (factory is not null)
            {
                await factory.DisposeAsync();
            }
            else if (ownRedis is not null)
            {
                await ownRedis.DisposeAsync();
            }

            throw;
        }
    }

    public HttpClient BootstrapAdmin() => WithApiKey(BootstrapAdminKey);

    /// <summary>An admin of a brand-new project: a clean tenant for one test.</summary>
    public async Task<Tenant> NewTenantAsync()
    {
        var projectId = NewProjectId();
        var admin = await IssueKeyAsync(projectId, Domain.Security.Role.Admin, name: "admin");
        return new Tenant(this, projectId, admin);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (ownsRedis && Redis is not null)
            {
                await Redis.DisposeAsync();
            }
        }
    }
}

/// <summary>A project with its admin key, and the factory to make clients with.</summary>
public sealed record Tenant(WearablesApiFactory Factory, string ProjectId, IssuedKey Admin)
{
    public HttpClient AdminClient() => Factory.WithApiKey(Admin.Key);

    public override string ToString() => $"Tenant {ProjectId}";
}
