using Wearables.Application.Common.Interfaces;
using Wearables.Application.Encryption;

namespace Wearables.Api.Cli;

/// <summary>
/// <c>rotate-keys [--dry-run]</c>: re-seals every stored envelope with the active master key
/// (<c>Wearables:Encryption:KeyId</c>/<c>MasterKey</c>; the older keys under <c>PreviousKeys</c>), with
/// progress on standard output. Safe while the service runs and safe to stop and run again: each record
/// is written with its store's conditional write, and records already under the active key are skipped.
/// Exit 0: nothing is left on an older key (their key-check records are removed; the older keys may go);
/// 1: records remain (unreadable ones, or changed faster than the walks); 2: bad arguments.
/// </summary>
public static class RotateKeysVerb
{
    public const string Name = "rotate-keys";

    /// <summary>Progress is printed every this many records of a kind.</summary>
    public const int ReportEvery = 100;

    private const int MaxWalks = 5;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var dryRun = args.Contains("--dry-run");
        if (args.Skip(1).Any(a => a != "--dry-run"))
        {
            await Console.Error.WriteLineAsync("usage: rotate-keys [--dry-run]").ConfigureAwait(false);
            return 2;
        }

        var protector = services.GetRequiredService<ISecretProtector>();
        var older = string.Join(", ", protector.KeyIds.Where(id => id != protector.ActiveKeyId).Order(StringComparer.Ordinal));
        await Console.Out.WriteLineAsync($"rotate-keys: active key id '{protector.ActiveKeyId}'; older key ids configured: {(older.Length == 0 ? "none" : older)}{(dryRun ? " (dry run: counting only)" : string.Empty)}").ConfigureAwait(false);

        await using var scope = services.CreateAsyncScope();
        var rotation = scope.ServiceProvider.GetRequiredService<KeyRotation>();
        var progress = new SynchronousProgress(t => Console.Out.WriteLine("  " + t));
        if (dryRun)
        {
            var tallies = await rotation.WalkAsync(write: false, progress, ReportEvery, cancellationToken).ConfigureAwait(false);
            var left = tallies.Sum(t => t.OnOlderKey);
            await Console.Out.WriteLineAsync($"rotate-keys: {left} records on an older key, {tallies.Sum(t => t.Unreadable)} unreadable").ConfigureAwait(false);
            return left == 0 ? 0 : 1;
        }

        var outcome = await rotation.RotateAsync(progress, ReportEvery, MaxWalks, cancellationToken).ConfigureAwait(false);
        if (outcome.Complete)
        {
            await Console.Out.WriteLineAsync($"rotate-keys: done, every envelope is under key id '{protector.ActiveKeyId}'. The older keys ({(older.Length == 0 ? "none" : older)}) may be removed from the configuration.").ConfigureAwait(false);
            return 0;
        }

        await Console.Out.WriteLineAsync(
            $"rotate-keys: {outcome.Remaining} records are still on an older key ({outcome.Unreadable} of them do not open with any configured key); keep the older keys configured, and run rotate-keys again").ConfigureAwait(false);
        return 1;
    }

    /// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<RotationTally> report) : IProgress<RotationTally>
    {
        public void Report(RotationTally value) => report(value);
    }
}
