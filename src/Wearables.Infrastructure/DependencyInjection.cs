using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Connections.Tokens;
using Wearables.Application.Credentials;
using Wearables.Application.Encryption;
using Wearables.Application.Junction;
using Wearables.Application.Providers;
using Wearables.Application.Settings;
using Wearables.Infrastructure.Caching;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Connections;
using Wearables.Infrastructure.Crypto;
using Wearables.Infrastructure.Diagnostics;
using Wearables.Infrastructure.Fhir;
using Wearables.Infrastructure.InProcess;
using Wearables.Infrastructure.Junction;
using Wearables.Infrastructure.Providers;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure;

public static class DependencyInjection
{
    /// <summary>
    /// Adapters for the application's ports, chosen by <c>Wearables:Storage</c> and
    /// <c>Wearables:Connections</c>. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(WearablesOptions.Section).Get<WearablesOptions>() ?? new WearablesOptions();
        services.TryAddSingleton(Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IProviderCatalog>(_ => new ConfiguredProviderCatalog(configuration));
        services.TryAddSingleton<EndpointCodec>();
        Application.DependencyInjection.AddWearablesMetrics(services);

        services.TryAddSingleton(provider => MasterKeyRing.Load(
            options.Encryption, options.DataDirectory, environment.IsDevelopment(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("Wearables.Encryption")));
        services.TryAddSingleton<ISecretProtector, AesGcmSecretProtector>();
        services.TryAddSingleton<IOAuthStateKeys, OAuthStateKeys>();
        services.TryAddSingleton(options.Limits.ToStateLimits());

        // The embedded database is needed for Embedded storage or Embedded connections (the default for both).
        services.TryAddSingleton(_ => new SqliteDatabase(Path.Combine(options.DataDirectory, SqliteDatabase.FileName)));

        switch (options.Storage)
        {
            case StorageKind.Redis:
                var redisConfiguration = configuration.GetConnectionString("Redis");
                if (string.IsNullOrWhiteSpace(redisConfiguration))
                {
                    throw new InvalidOperationException("Wearables:Storage is Redis but ConnectionStrings:Redis is not set (e.g. 127.0.0.1:6379).");
                }

                services.TryAddSingleton(_ => new RedisConnection(redisConfiguration));
                services.AddSingleton<IStoreHealth>(p => p.GetRequiredService<RedisConnection>());
                services.TryAddSingleton<IInvalidationFeed, RedisInvalidationFeed>();
                AddStores<RedisProjectSecretStore, RedisProjectSettingsStore, RedisApiKeyStore>(services, options.Cache);
                services.TryAddSingleton<RedisOAuthStateStore>();
                services.TryAddSingleton<IOAuthStateStore>(p => p.GetRequiredService<RedisOAuthStateStore>());
                services.TryAddSingleton<IPendingStateCensus>(p => p.GetRequiredService<RedisOAuthStateStore>());
                // Before the bootstrap (registered later, by the host): it must see the moved API keys.
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisKeyLayoutMigration>());
                services.TryAddSingleton<IPendingRevocationStore, RedisPendingRevocationStore>();
                services.TryAddSingleton<IParkedGrantStore, RedisParkedGrantStore>();
                services.TryAddSingleton<IKeyCheckStore, RedisKeyCheckStore>();
                services.TryAddSingleton<ICredentialsInventory>(p => p.GetRequiredService<RedisProjectSecretStore>());
                break;
            default:
                services.AddSingleton<IStoreHealth>(p => p.GetRequiredService<SqliteDatabase>());
                services.TryAddSingleton<IInvalidationFeed, LocalInvalidationFeed>();
                AddStores<SqliteProjectSecretStore, SqliteProjectSettingsStore, SqliteApiKeyStore>(services, options.Cache);
                services.TryAddSingleton<SqliteOAuthStateStore>();
                services.TryAddSingleton<IOAuthStateStore>(p => p.GetRequiredService<SqliteOAuthStateStore>());
                services.TryAddSingleton<IPendingStateCensus>(p => p.GetRequiredService<SqliteOAuthStateStore>());
                services.AddHostedService(p => new ExpiredStatesSweeper(
                    p.GetRequiredService<SqliteOAuthStateStore>(), p.GetRequiredService<TimeProvider>(),
                    TimeSpan.FromSeconds(Math.Max(1, options.Limits.ExpiredStatesSweepSeconds)), p.GetRequiredService<ILogger<ExpiredStatesSweeper>>()));
                services.TryAddSingleton<IPendingRevocationStore, SqlitePendingRevocationStore>();
                services.TryAddSingleton<IParkedGrantStore, SqliteParkedGrantStore>();
                services.TryAddSingleton<IKeyCheckStore, SqliteKeyCheckStore>();
                services.TryAddSingleton<ICredentialsInventory>(p => p.GetRequiredService<SqliteProjectSecretStore>());
                break;
        }

        // No outbound client follows redirects: a 3xx from an upstream (FHIR, Junction, a provider) would
        // otherwise carry our Authorization / x-vital-api-key header to wherever it points. A 3xx is
        // then an unexpected answer, which each client already turns into an upstream failure.
        services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false }));

        switch (options.Connections)
        {
            case ConnectionsStoreKind.Fhir:
                if (!Uri.TryCreate(options.Fhir.BaseUrl, UriKind.Absolute, out var fhirBase))
                {
                    throw new InvalidOperationException("Wearables:Connections is Fhir but Wearables:Fhir:BaseUrl is not an absolute URL.");
                }

                services.AddHttpClient<FhirConnectionRepository>(FhirConnectionRepository.HttpClientName, client =>
                {
                    // A trailing slash so that relative paths ("Endpoint/…") append to the base path.
                    client.BaseAddress = new Uri(fhirBase.ToString().TrimEnd('/') + "/");
                    client.Timeout = TimeSpan.FromSeconds(options.Fhir.TimeoutSeconds);
                    if (!string.IsNullOrWhiteSpace(options.Fhir.BearerToken))
                    {
                        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.Fhir.BearerToken);
                    }
                });
                services.TryAddTransient<IConnectionRepository>(p => Scheduled(p, p.GetRequiredService<FhirConnectionRepository>()));
                services.TryAddTransient<IConnectionInventory>(p => p.GetRequiredService<FhirConnectionRepository>());
                services.AddTransient<IStoreHealth>(p => p.GetRequiredService<FhirConnectionRepository>());
                break;
            default:
                services.TryAddSingleton<SqliteConnectionRepository>();
                services.TryAddSingleton<IConnectionRepository>(p => Scheduled(p, p.GetRequiredService<SqliteConnectionRepository>()));
                services.TryAddSingleton<IConnectionInventory>(p => p.GetRequiredService<SqliteConnectionRepository>());
                if (options.Storage != StorageKind.Embedded)
                {
                    services.AddSingleton<IStoreHealth>(p => p.GetRequiredService<SqliteDatabase>());
                }

                break;
        }

        var providerTimeout = TimeSpan.FromSeconds(configuration.GetValue("Wearables:Providers:TimeoutSeconds", 10));
        var providerClient = services.AddHttpClient<IOAuthProviderClient, OAuthProviderClient>(OAuthProviderClient.HttpClientName, client => client.Timeout = providerTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = providerTimeout })
            .AddHttpMessageHandler(p => ProviderMetricsHandler.ForCatalog(p.GetRequiredService<Application.Common.Metrics.WearablesMetrics>(), p.GetRequiredService<IProviderCatalog>()))

            // Provider calls carry tokens (Bearer headers, Oura's ?access_token=): the framework's request logging keeps
            // raw header values in its structured state, so only the clients' own status-code lines are logged.
            .RemoveAllLoggers();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProviderStrategy, PolarStrategy>());
        AddTokenRefresh(services, configuration, options.Storage, providerTimeout);
        var parkedGrants = configuration.GetSection("Wearables:ParkedGrants");
        services.Replace(ServiceDescriptor.Singleton(new ParkedGrantOptions
        {
            RetryInterval = TimeSpan.FromSeconds(Math.Max(1, parkedGrants.GetValue("RetrySeconds", 10))),
            KeepFor = TimeSpan.FromHours(Math.Max(1, parkedGrants.GetValue("KeepHours", 24))),
        }));
        Webhooks.WebhookServices.Add(services, options.Storage);

        // The same named client (timeout, no redirects): revocations are provider calls like any other.
        services.AddHttpClient<IProviderRevoker, ProviderRevoker>(OAuthProviderClient.HttpClientName);

        if (!Uri.TryCreate(options.Junction.BaseUrl, UriKind.Absolute, out var junctionBase))
        {
            throw new InvalidOperationException("Wearables:Junction:BaseUrl must be an absolute URL.");
        }

        var allowedJunction = options.Junction.AllowedBaseUrls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            ? url
            : throw new InvalidOperationException("Wearables:Junction:AllowedBaseUrls must list absolute http(s) URLs.")).ToList();
        services.TryAddSingleton(new JunctionEndpoints(junctionBase, options.Junction.ApiKey, allowedJunction));
        var junctionClient = services.AddHttpClient<IJunctionClient, JunctionClient>(JunctionClient.HttpClientName, client =>
            client.Timeout = TimeSpan.FromSeconds(options.Junction.TimeoutSeconds))
            .AddHttpMessageHandler(p => ProviderMetricsHandler.Named(p.GetRequiredService<Application.Common.Metrics.WearablesMetrics>(), "junction"));

        if (options.Diagnostics.ServerTiming)
        {
            ServerTimingServices.Add(services, providerClient, junctionClient);
        }

        if (!string.IsNullOrWhiteSpace(options.Diagnostics.AllocationsFile))
        {
            services.AddHostedService(_ => new AllocationsFileWriter(options.Diagnostics.AllocationsFile));
        }

        return services;
    }

    /// <summary>
    /// The refresh rules' bounds (<c>Wearables:Tokens:*</c>) and where the single-flight lock and the
    /// backoff live: Redis when the instances share one, else the process (Embedded: one instance).
    /// </summary>
    private static void AddTokenRefresh(IServiceCollection services, IConfiguration configuration, StorageKind storage, TimeSpan providerTimeout)
    {
        var section = configuration.GetSection("Wearables:Tokens");

        // Longer than a provider call (bounded by its timeout, connect included) plus the write of the new pair.
        var lockLifetime = TimeSpan.FromSeconds(section.GetValue("RefreshLockSeconds", providerTimeout.TotalSeconds * 2 + 5));
        if (lockLifetime <= providerTimeout)
        {
            throw new InvalidOperationException("Wearables:Tokens:RefreshLockSeconds must exceed Wearables:Providers:TimeoutSeconds (the lock must outlive the provider call).");
        }

        services.TryAddSingleton(new TokenRefreshOptions
        {
            SweepInterval = TimeSpan.FromSeconds(Math.Max(0, section.GetValue("SweepIntervalSeconds", 60))),
            LockLifetime = lockLifetime,
            // A little longer than the lifetime: a waiter behind a dead holder must outlast its lock, not give up just before it lapses.
            LockWait = lockLifetime + TimeSpan.FromSeconds(1),
            Backoff = TimeSpan.FromSeconds(Math.Max(0, section.GetValue("RefreshBackoffSeconds", 30))),
            RefreshAhead = TimeSpan.FromSeconds(Math.Max(0, section.GetValue("RefreshAheadSeconds", 900))),
        });
        if (storage == StorageKind.Redis)
        {
            services.TryAddSingleton<IRefreshLock, RedisRefreshLock>();
            services.TryAddSingleton<IRefreshBackoff, RedisRefreshBackoff>();
            services.TryAddSingleton<IRefreshSchedule, RedisRefreshSchedule>();
        }
        else
        {
            services.TryAddSingleton<IRefreshLock, InProcessRefreshLock>();
            services.TryAddSingleton<IRefreshBackoff, InProcessRefreshBackoff>();
            services.TryAddSingleton<IRefreshSchedule, SqliteRefreshSchedule>();
        }
    }

    /// <summary>The connection store, keeping the refresh schedule beside it on every save.</summary>
    private static SchedulingConnectionRepository Scheduled(IServiceProvider provider, IConnectionRepository store) =>
        new SchedulingConnectionRepository(store, provider.GetRequiredService<IRefreshSchedule>(), provider.GetRequiredService<ILogger<SchedulingConnectionRepository>>());

    /// <summary>The stores every request reads, behind the <see cref="StoreCache"/> unless it is turned off.</summary>
    private static void AddStores<TSecrets, TSettings, TKeys>(IServiceCollection services, CacheOptions cache)
        where TSecrets : class, IProjectSecretStore
        where TSettings : class, IProjectSettingsStore
        where TKeys : class, IApiKeyStore
    {
        services.TryAddSingleton<TSecrets>();
        services.TryAddSingleton<TSettings>();
        services.TryAddSingleton<TKeys>();
        if (cache.TimeToLiveSeconds <= 0)
        {
            services.TryAddSingleton<IProjectSecretStore>(p => p.GetRequiredService<TSecrets>());
            services.TryAddSingleton<IProjectSettingsStore>(p => p.GetRequiredService<TSettings>());
            services.TryAddSingleton<IApiKeyStore>(p => p.GetRequiredService<TKeys>());
            return;
        }

        services.TryAddSingleton(p => new StoreCache(
            p.GetRequiredService<IInvalidationFeed>(), TimeSpan.FromSeconds(cache.TimeToLiveSeconds), cache.MaxEntries, p.GetRequiredService<ILogger<StoreCache>>(),
            p.GetService<Application.Common.Metrics.WearablesMetrics>()));
        services.TryAddSingleton<IProjectSecretStore>(p => new CachingProjectSecretStore(p.GetRequiredService<TSecrets>(), p.GetRequiredService<StoreCache>()));
        services.TryAddSingleton<IProjectSettingsStore>(p => new CachingProjectSettingsStore(p.GetRequiredService<TSettings>(), p.GetRequiredService<StoreCache>()));
        services.TryAddSingleton<IApiKeyStore>(p => new CachingApiKeyStore(p.GetRequiredService<TKeys>(), p.GetRequiredService<StoreCache>()));
    }
}
