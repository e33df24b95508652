using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Providers;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Crypto;
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

        services.TryAddSingleton(provider => MasterKeyRing.Load(
            options.Encryption, options.DataDirectory, environment.IsDevelopment(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("Wearables.Encryption")));
        services.TryAddSingleton<ISecretProtector, AesGcmSecretProtector>();

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
                services.TryAddSingleton<IStoreHealth>(p => p.GetRequiredService<RedisConnection>());
                services.TryAddSingleton<IProjectSecretStore, RedisProjectSecretStore>();
                services.TryAddSingleton<IProjectSettingsStore, RedisProjectSettingsStore>();
                services.TryAddSingleton<IApiKeyStore, RedisApiKeyStore>();
                services.TryAddSingleton<IOAuthStateStore, RedisOAuthStateStore>();
                break;
            default:
                services.TryAddSingleton<IStoreHealth>(p => p.GetRequiredService<SqliteDatabase>());
                services.TryAddSingleton<IProjectSecretStore, SqliteProjectSecretStore>();
                services.TryAddSingleton<IProjectSettingsStore, SqliteProjectSettingsStore>();
                services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
                services.TryAddSingleton<IOAuthStateStore, SqliteOAuthStateStore>();
                break;
        }

        return services;
    }
}
