using Microsoft.Extensions.Options;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Encryption;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Hosting;

namespace Wearables.Api.Hosting;

/// <summary>
/// Counts the records that still hold an envelope of an older master key (<see cref="KeyRotation.WalkAsync"/>
/// without writing) at start and every <c>Wearables:Encryption:CensusMinutes</c> while any remain, for the
/// readiness warning. With one key and no key-check record of another, nothing can be on an older key: no walk.
/// </summary>
public sealed class OlderKeyCensusService(
    IServiceScopeFactory scopes, ISecretProtector protector, KeyCheck keyCheck, OlderKeyCensus census, IOptions<WearablesOptions> options, TimeProvider time, ILogger<OlderKeyCensusService> logger)
    : PeriodicService(time, logger)
{
    private readonly TimeProvider clock = time;

    protected override TimeSpan Period => TimeSpan.FromMinutes(options.Value.Encryption.CensusMinutes);

    protected override bool FirstPassAtStart => true;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (census.Count == 0)
        {
            return; // New envelopes are made with the active key only.
        }

        if (protector.KeyIds.Count == 1 && (await keyCheck.OlderKeyIdsAsync(cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            census.Record(0, clock.GetUtcNow());
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var tallies = await scope.ServiceProvider.GetRequiredService<KeyRotation>().WalkAsync(write: false, progress: null, 0, cancellationToken).ConfigureAwait(false);
        census.Record(tallies.Sum(t => t.OnOlderKey), clock.GetUtcNow());
    }
}
