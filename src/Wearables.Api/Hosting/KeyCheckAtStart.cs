using Microsoft.Extensions.Options;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Encryption;
using Wearables.Infrastructure.Configuration;

namespace Wearables.Api.Hosting;

/// <summary>
/// The start-up key check (<see cref="KeyCheck"/>): with master keys that do not open the stored data
/// the service refuses to start, saying which key id is wrong, instead of answering 503 per request.
/// A store that is down at start postpones nothing else: the check is skipped with a warning.
/// </summary>
public static partial class KeyCheckAtStart
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.GetRequiredService<IOptions<WearablesOptions>>().Value.Encryption.KeyCheck)
        {
            return;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Wearables.Encryption");
        IReadOnlyList<string> problems;
        try
        {
            problems = await services.GetRequiredService<KeyCheck>().VerifyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException ex)
        {
            LogSkipped(logger, ex.Error);
            return;
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Encryption key check failed, the service does not start: " + string.Join("; ", problems) + ".");
        }
    }

    [LoggerMessage(LogLevel.Warning, "The encryption key check was skipped: the store is not available ({Code})")]
    private static partial void LogSkipped(ILogger logger, string code);
}
