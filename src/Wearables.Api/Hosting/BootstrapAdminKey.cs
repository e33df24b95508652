using Microsoft.Extensions.Options;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Exceptions;

namespace Wearables.Api.Hosting;

/// <summary>
/// On start with an empty key store, creates the admin key of the bootstrap project and prints it
/// once on standard output (not through the logger: logs never carry secrets).
/// </summary>
public sealed partial class BootstrapAdminKey(IServiceProvider services, IOptions<ApiOptions> options, ILogger<BootstrapAdminKey> logger) : IHostedService
{
    /// <summary>
    /// An operator-chosen key shorter than this stops the start outside Development (a generated key's
    /// secret is 43 characters); in Development it is accepted, with a warning.
    /// </summary>
    public const int RecommendedMinimumLength = 32;

    /// <summary>Outside Development a short operator-chosen key is refused at start, like a missing master key: it could be guessed.</summary>
    public static void RequireLongChosenKey(ApiOptions options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.Bootstrap.AdminApiKey is { Length: > 0 and < RecommendedMinimumLength } chosen && !environment.IsDevelopment())
        {
            // The length only, never the key.
            throw new InvalidOperationException(
                $"Wearables:Bootstrap:AdminApiKey is {chosen.Length} characters; outside Development an operator-chosen admin key must be at least "
                + $"{RecommendedMinimumLength} random characters. Leave it unset for a generated key, or create one with the create-key verb.");
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var bootstrap = options.Value.Bootstrap;
        await using var scope = services.CreateAsyncScope();
        var issuer = scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>();
        IssuedApiKey? issued;
        try
        {
            // Before anything is listed: ids of older operator-chosen keys were a slice of their hash.
            var replaced = await issuer.ReplaceDerivedIdsAsync(cancellationToken).ConfigureAwait(false);
            if (replaced > 0)
            {
                LogIdsReplaced(logger, replaced);
            }

            issued = await issuer.BootstrapAsync(bootstrap.Project, bootstrap.AdminApiKey, cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException)
        {
            LogStoreDown(logger);
            return;
        }

        if (issued is null)
        {
            return;
        }

        LogCreated(logger, issued.Key.Id, issued.Key.ProjectId);
        if (bootstrap.AdminApiKey is { Length: < RecommendedMinimumLength } chosen)
        {
            // The length only, never the key.
            LogShortKey(logger, chosen.Length, RecommendedMinimumLength);
        }

        if (string.IsNullOrEmpty(bootstrap.AdminApiKey))
        {
            await Console.Out.WriteLineAsync(
                $"""

                ==================================================================
                 Bootstrap admin API key for project '{issued.Key.ProjectId}' (shown once, store it now):

                   {issued.Plaintext}

                 Use it as:  X-API-Key: <key>   or   Authorization: Bearer <key>
                ==================================================================

                """).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "Bootstrap admin key {KeyId} created for project {ProjectId}")]
    private static partial void LogCreated(ILogger logger, string keyId, string projectId);

    [LoggerMessage(LogLevel.Warning, "The configured bootstrap admin key is short ({Length} characters): an admin key should be at least {Minimum} random characters; create one with the create-key verb and revoke this one")]
    private static partial void LogShortKey(ILogger logger, int length, int minimum);

    [LoggerMessage(LogLevel.Warning, "{Count} API key(s) whose public id came from their hash got a random id; the keys themselves are unchanged")]
    private static partial void LogIdsReplaced(ILogger logger, int count);

    [LoggerMessage(LogLevel.Error, "Bootstrap skipped: the key store is not available; it will be tried again at the next start")]
    private static partial void LogStoreDown(ILogger logger);
}
