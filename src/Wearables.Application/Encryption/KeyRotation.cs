using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Credentials;
using Wearables.Domain.Connections;

namespace Wearables.Application.Encryption;

/// <summary>What one kind of sealed record held during a walk.</summary>
public sealed record RotationTally(string Kind)
{
    /// <summary>Records looked at.</summary>
    public int Examined { get; set; }

    /// <summary>Records with an envelope of an older key (re-sealed, when writing).</summary>
    public int OnOlderKey { get; set; }

    /// <summary>Records re-sealed with the active key.</summary>
    public int Resealed { get; set; }

    /// <summary>Records changed by someone else between the read and the write (their new value is the writer's, under the active key).</summary>
    public int ChangedMeanwhile { get; set; }

    /// <summary>Records with an envelope that no configured key opens.</summary>
    public int Unreadable { get; set; }

    public override string ToString() =>
        $"{Kind}: {Examined} examined, {OnOlderKey} on an older key, {Resealed} re-sealed, {ChangedMeanwhile} changed meanwhile, {Unreadable} unreadable";
}

/// <summary>
/// Re-seals every envelope the stores hold under the active master key: credentials, connection tokens,
/// pending revocations and parked grants. Each record is written with the store's own conditional write
/// (the version check, or "only while unchanged"), so a refresh or an update that lands meanwhile wins,
/// and a record already under the active key is skipped: a walk can be stopped at any point and run again.
/// Without <c>write</c> it only counts (the readiness census). OAuth states are not re-sealed: they live
/// <see cref="OAuthState.TimeToLive"/> at most (and their MAC is checked with every key of the ring).
/// </summary>
public sealed class KeyRotation(
    ISecretProtector protector,
    ICredentialsInventory credentialsInventory,
    IProjectSecretStore secrets,
    IConnectionInventory connectionInventory,
    ConnectionWriter writer,
    ConnectionTokens tokens,
    IPendingRevocationStore revocations,
    IParkedGrantStore parked,
    KeyCheck keyCheck)
{
    /// <summary>Connections read per page.</summary>
    public const int PageSize = 200;

    private static readonly SaveRetry ConflictRetry = new([TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)], WhenStoreDown: false);

    /// <summary>
    /// One walk over every store. <paramref name="progress"/> gets the tally of the kind in progress every
    /// <paramref name="reportEvery"/> records and at the end of each kind.
    /// </summary>
    public async Task<IReadOnlyList<RotationTally>> WalkAsync(bool write, IProgress<RotationTally>? progress, int reportEvery, CancellationToken cancellationToken)
    {
        var tallies = new List<RotationTally>();
        foreach (var (kind, walk) in new (string, Func<RotationTally, Action, bool, CancellationToken, Task>)[]
                 {
                     ("credentials", CredentialsAsync), ("connections", ConnectionsAsync), ("pending revocations", RevocationsAsync), ("parked grants", ParkedAsync),
                 })
        {
            var tally = new RotationTally(kind);
            tallies.Add(tally);
            await walk(tally, () =>
            {
                if (reportEvery > 0 && tally.Examined % reportEvery == 0)
                {
                    progress?.Report(tally);
                }
            }, write, cancellationToken).ConfigureAwait(false);
            progress?.Report(tally);
        }

        return tallies;
    }

    /// <summary>
    /// Re-seals everything, walking again while a walk found records changed meanwhile (at most
    /// <paramref name="maxWalks"/> walks), then retires the key-check records of older keys when
    /// nothing is left on them. Answers the last walk's tallies.
    /// </summary>
    public async Task<RotationOutcome> RotateAsync(IProgress<RotationTally>? progress, int reportEvery, int maxWalks, CancellationToken cancellationToken)
    {
        IReadOnlyList<RotationTally> walk = [];
        for (var i = 0; i < maxWalks; i++)
        {
            walk = await WalkAsync(write: true, progress, reportEvery, cancellationToken).ConfigureAwait(false);
            if (walk.All(t => t.Resealed == 0 && t.ChangedMeanwhile == 0))
            {
                break;
            }
        }

        // A last count: what a concurrent writer or an offset-paging store left behind.
        var left = await WalkAsync(write: false, progress: null, 0, cancellationToken).ConfigureAwait(false);
        var remaining = left.Sum(t => t.OnOlderKey);
        var unreadable = left.Sum(t => t.Unreadable);
        if (remaining == 0 && unreadable == 0)
        {
            await keyCheck.RetireOlderKeysAsync(cancellationToken).ConfigureAwait(false);
        }

        return new RotationOutcome(walk, remaining, unreadable);
    }

    private async Task CredentialsAsync(RotationTally tally, Action examined, bool write, CancellationToken cancellationToken)
    {
        foreach (var (projectId, provider) in await credentialsInventory.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var stored = await secrets.GetAsync(projectId, provider, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                continue;
            }

            tally.Examined++;
            Envelopes envelopes = new(protector, tally);
            var clientId = envelopes.Reseal(stored.ClientIdEnvelope, new SecretPurpose(projectId, provider, CredentialsFields.ClientId));
            var clientSecret = envelopes.Reseal(stored.ClientSecretEnvelope, new SecretPurpose(projectId, provider, CredentialsFields.ClientSecret));
            var webhookSecret = envelopes.Reseal(stored.WebhookSecretEnvelope, new SecretPurpose(projectId, provider, CredentialsFields.WebhookSecret));
            if (envelopes.Finish() && write)
            {
                var replaced = await secrets.ReplaceIfUnchangedAsync(projectId, provider, stored, stored with
                {
                    ClientIdEnvelope = clientId!,
                    ClientSecretEnvelope = clientSecret!,
                    WebhookSecretEnvelope = webhookSecret,
                }, cancellationToken).ConfigureAwait(false);
                Count(tally, replaced);
            }

            examined();
        }
    }

    private async Task ConnectionsAsync(RotationTally tally, Action examined, bool write, CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await connectionInventory.ListPageAsync(cursor, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var connection in page.Connections)
            {
                tally.Examined++;
                Envelopes envelopes = new(protector, tally);
                var scope = ConnectionTokens.ScopeOf(connection.Id);
                envelopes.Reseal(connection.AccessTokenEnvelope, new SecretPurpose(connection.ProjectId, scope, ConnectionTokens.AccessTokenField));
                envelopes.Reseal(connection.RefreshTokenEnvelope, new SecretPurpose(connection.ProjectId, scope, ConnectionTokens.RefreshTokenField));
                if (envelopes.Finish() && write)
                {
                    // Through the one writer: the version check makes a concurrent refresh win, and the
                    // change is applied to a fresh read (whose envelopes may be current already).
                    var resealed = false;
                    await writer.UpdateAsync(connection.ProjectId, connection.PatientId, connection.Provider, (fresh, _) =>
                    {
                        resealed = tokens.TryReseal(fresh) == true;
                        return resealed;
                    }, ConflictRetry, cancellationToken).ConfigureAwait(false);
                    Count(tally, resealed);
                }

                examined();
            }

            cursor = page.Next;
        }
        while (cursor is not null);
    }

    private async Task RevocationsAsync(RotationTally tally, Action examined, bool write, CancellationToken cancellationToken)
    {
        foreach (var revocation in await revocations.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            tally.Examined++;
            Envelopes envelopes = new(protector, tally);
            var scope = RevocationTokens.ScopeOf(revocation.ConnectionId);
            var access = envelopes.Reseal(revocation.AccessTokenEnvelope, new SecretPurpose(revocation.ProjectId, scope, ConnectionTokens.AccessTokenField));
            var refresh = envelopes.Reseal(revocation.RefreshTokenEnvelope, new SecretPurpose(revocation.ProjectId, scope, ConnectionTokens.RefreshTokenField));
            if (envelopes.Finish() && write)
            {
                Count(tally, await revocations.ReplaceIfUnchangedAsync(
                    revocation, revocation with { AccessTokenEnvelope = access!, RefreshTokenEnvelope = refresh }, cancellationToken).ConfigureAwait(false));
            }

            examined();
        }
    }

    private async Task ParkedAsync(RotationTally tally, Action examined, bool write, CancellationToken cancellationToken)
    {
        foreach (var job in await parked.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            tally.Examined++;
            Envelopes envelopes = new(protector, tally);
            var scope = ConnectionTokens.ScopeOf(job.ConnectionId);
            var access = envelopes.Reseal(job.Grant.AccessTokenEnvelope, new SecretPurpose(job.ProjectId, scope, ConnectionTokens.AccessTokenField));
            var refresh = envelopes.Reseal(job.Grant.RefreshTokenEnvelope, new SecretPurpose(job.ProjectId, scope, ConnectionTokens.RefreshTokenField));
            if (envelopes.Finish() && write)
            {
                Count(tally, await parked.ReplaceIfUnchangedAsync(
                    job, job with { Grant = job.Grant with { AccessTokenEnvelope = access!, RefreshTokenEnvelope = refresh } }, cancellationToken).ConfigureAwait(false));
            }

            examined();
        }
    }

    private static void Count(RotationTally tally, bool written)
    {
        if (written)
        {
            tally.Resealed++;
        }
        else
        {
            tally.ChangedMeanwhile++;
        }
    }

    /// <summary>The envelopes of one record: which are on an older key, re-sealed, and whether any does not open.</summary>
    private sealed class Envelopes(ISecretProtector protector, RotationTally tally)
    {
        private bool older;
        private bool unreadable;

        /// <summary>The envelope under the active key (itself when it is already); null stays null.</summary>
        public string? Reseal(string? envelope, SecretPurpose purpose)
        {
            if (envelope is null || !protector.NeedsReprotect(envelope))
            {
                return envelope;
            }

            older = true;
            if (protector.TryReprotect(envelope, purpose, out var resealed))
            {
                return resealed;
            }

            unreadable = true;
            return envelope;
        }

        /// <summary>Tallies the record; true when it is on an older key and every envelope opened (so it can be written).</summary>
        public bool Finish()
        {
            if (older)
            {
                tally.OnOlderKey++;
            }

            if (unreadable)
            {
                tally.Unreadable++;
            }

            return older && !unreadable;
        }
    }
}

/// <summary>The outcome of <see cref="KeyRotation.RotateAsync"/>: the last walk, and what a final count still found.</summary>
public sealed record RotationOutcome(IReadOnlyList<RotationTally> Tallies, int Remaining, int Unreadable)
{
    public bool Complete => Remaining == 0 && Unreadable == 0;
}
