using System.Security.Cryptography;
using System.Text;
using Wearables.Domain.Common;

namespace Wearables.Domain.Connections;

/// <summary>
/// A patient's link to one wearable provider inside one project. There is at most one per
/// project + patient + provider: its id is derived from that triple, so concurrent writers
/// converge on the same record instead of creating duplicates.
/// Tokens are held only as encrypted envelopes; this type never sees plaintext tokens.
/// </summary>
public sealed class Connection
{
    private Connection(Guid id, string projectId, string patientId, string provider, ConnectionSource source, DateTimeOffset now)
    {
        Id = id;
        ProjectId = projectId;
        PatientId = patientId;
        Provider = provider;
        Source = source;
        CreatedAt = now;
        UpdatedAt = now;
        ConnectedAt = now;
    }

    public Guid Id { get; }

    public string ProjectId { get; }

    public string PatientId { get; }

    public string Provider { get; }

    public ConnectionSource Source { get; private set; }

    public ConnectionStatus Status { get; private set; }

    /// <summary>Only for <see cref="ConnectionSource.Junction"/> connections.</summary>
    public LinkStatus? LinkStatus { get; private set; }

    public string? ProviderUserId { get; private set; }

    public string? ProviderUsername { get; private set; }

    public string? Scope { get; private set; }

    /// <summary>The provider API base (FHIR <c>Endpoint.address</c>).</summary>
    public string Address { get; private set; } = string.Empty;

    public string? AccessTokenEnvelope { get; private set; }

    public string? RefreshTokenEnvelope { get; private set; }

    public DateTimeOffset? TokenExpiresAt { get; private set; }

    public DateTimeOffset? LastSyncedAt { get; private set; }

    /// <summary>When the provider last told us of this connection's data (an accepted webhook event).</summary>
    public DateTimeOffset? LastEventAt { get; private set; }

    public DateTimeOffset ConnectedAt { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Store version (FHIR <c>meta.versionId</c>, SQLite row version); null until first saved.</summary>
    public string? Version { get; private set; }

    /// <summary>The stable id for a project + patient + provider (a name-based UUID, RFC 9562 version 8).</summary>
    public static Guid IdFor(string projectId, string patientId, string provider)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"wearables/connection\n{projectId}\n{patientId}\n{provider}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }

    public static Connection Create(string projectId, string patientId, string provider, ConnectionSource source, DateTimeOffset now)
    {
        if (!Identifiers.IsProjectId(projectId))
        {
            throw new DomainRuleException("project_id_invalid", "The project id is not valid.");
        }

        if (!Identifiers.IsFhirId(patientId))
        {
            throw new DomainRuleException("patient_id_invalid", "patientId must be a FHIR id ([A-Za-z0-9-.]{1,64}).");
        }

        if (!Identifiers.IsSlug(provider))
        {
            throw new DomainRuleException("provider_invalid", "The provider slug is not valid.");
        }

        return new Connection(IdFor(projectId, patientId, provider), projectId, patientId, provider, source, now);
    }

    /// <summary>Rebuilds a stored connection (used by repositories only).</summary>
    public static Connection Restore(ConnectionSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new Connection(s.Id, s.ProjectId, s.PatientId, s.Provider, s.Source, s.CreatedAt)
        {
            Status = s.Status,
            LinkStatus = s.LinkStatus,
            ProviderUserId = s.ProviderUserId,
            ProviderUsername = s.ProviderUsername,
            Scope = s.Scope,
            Address = s.Address,
            AccessTokenEnvelope = s.AccessTokenEnvelope,
            RefreshTokenEnvelope = s.RefreshTokenEnvelope,
            TokenExpiresAt = s.TokenExpiresAt,
            LastSyncedAt = s.LastSyncedAt,
            LastEventAt = s.LastEventAt,
            ConnectedAt = s.ConnectedAt,
            UpdatedAt = s.UpdatedAt,
            Version = s.Version,
        };
    }

    /// <summary>What <see cref="Restore"/> rebuilds this connection from (used by repositories only: a decode kept per row version).</summary>
    public ConnectionSnapshot ToSnapshot() => new(
        Id, ProjectId, PatientId, Provider, Source, Status, LinkStatus, ProviderUserId, ProviderUsername, Scope,
        Address, AccessTokenEnvelope, RefreshTokenEnvelope, TokenExpiresAt, LastSyncedAt, ConnectedAt, CreatedAt,
        UpdatedAt, Version, LastEventAt);

    /// <summary>
    /// A successful OAuth authorization: (re)activates the connection and replaces its tokens.
    /// A reconnect counts as a new connection period, so <see cref="ConnectedAt"/> moves.
    /// </summary>
    public void Authorize(OAuthGrant grant, string address, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        Source = ConnectionSource.OAuth;
        Status = ConnectionStatus.Active;
        LinkStatus = null;
        ProviderUserId = grant.ProviderUserId ?? ProviderUserId;
        ProviderUsername = grant.ProviderUsername ?? ProviderUsername;
        Scope = grant.Scope ?? Scope;
        Address = address;
        AccessTokenEnvelope = grant.AccessTokenEnvelope;
        RefreshTokenEnvelope = grant.RefreshTokenEnvelope;
        TokenExpiresAt = grant.ExpiresAt;
        ConnectedAt = now;
        UpdatedAt = now;
    }

    /// <summary>A Junction Link exchange: Junction holds the provider tokens, we keep the Junction user id.</summary>
    public void LinkThroughJunction(string junctionUserId, LinkStatus status, string address, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(junctionUserId))
        {
            throw new DomainRuleException("junction_user_invalid", "The Junction user id is missing.");
        }

        var wasSame = Source == ConnectionSource.Junction && ProviderUserId == junctionUserId && Status == ConnectionStatus.Active;
        Source = ConnectionSource.Junction;
        Status = ConnectionStatus.Active;
        LinkStatus = status;
        ProviderUserId = junctionUserId;
        Address = address;
        AccessTokenEnvelope = null;
        RefreshTokenEnvelope = null;
        TokenExpiresAt = null;
        if (!wasSame)
        {
            ConnectedAt = now;
        }

        UpdatedAt = now;
    }

    /// <summary>
    /// A disconnect: the connection is revoked and forgets its tokens at once. Answers the token
    /// envelopes it held, for the one caller that still has to revoke them at the provider; null
    /// when it was revoked already (nothing changes, nothing to revoke again). A later
    /// <see cref="Authorize"/> or <see cref="LinkThroughJunction"/> makes it active again.
    /// </summary>
    public RevokedTokens? Revoke(DateTimeOffset now)
    {
        if (Status == ConnectionStatus.Revoked)
        {
            return null;
        }

        var revoked = new RevokedTokens(AccessTokenEnvelope, RefreshTokenEnvelope, TokenExpiresAt);
        Status = ConnectionStatus.Revoked;

        // A Junction link we ended is disconnected whatever Junction last said of it.
        LinkStatus = LinkStatus is null ? null : Connections.LinkStatus.Disconnected;
        AccessTokenEnvelope = null;
        RefreshTokenEnvelope = null;
        TokenExpiresAt = null;
        UpdatedAt = now;
        return revoked;
    }

    /// <summary>
    /// A refresh grant succeeded: the new access token replaces the old one, and the refresh token
    /// too when the provider rotated it (an answer without one keeps the stored one). Only an active
    /// OAuth connection refreshes: a revoked or expired one must be authorized again.
    /// </summary>
    public void Refreshed(OAuthGrant grant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (Source != ConnectionSource.OAuth || Status != ConnectionStatus.Active)
        {
            throw new DomainRuleException("connection_not_active", "Only an active OAuth connection can take refreshed tokens.");
        }

        AccessTokenEnvelope = grant.AccessTokenEnvelope;
        RefreshTokenEnvelope = grant.RefreshTokenEnvelope ?? RefreshTokenEnvelope;
        TokenExpiresAt = grant.ExpiresAt;
        Scope = grant.Scope ?? Scope;
        UpdatedAt = now;
    }

    /// <summary>
    /// The provider refused the stored refresh token (or there is none and the access token ran
    /// out): the user must connect again. The dead tokens are not kept.
    /// </summary>
    public void MarkExpired(DateTimeOffset now)
    {
        Status = ConnectionStatus.Expired;
        AccessTokenEnvelope = null;
        RefreshTokenEnvelope = null;
        UpdatedAt = now;
    }

    /// <summary>
    /// The same tokens sealed again (a master key rotation): only the envelopes change, not
    /// <see cref="UpdatedAt"/>: nothing about the connection did. An envelope cannot appear or vanish here.
    /// </summary>
    public void Resealed(string? accessTokenEnvelope, string? refreshTokenEnvelope)
    {
        if ((accessTokenEnvelope is null) != (AccessTokenEnvelope is null) || (refreshTokenEnvelope is null) != (RefreshTokenEnvelope is null))
        {
            throw new DomainRuleException("reseal_mismatch", "Re-sealing replaces the envelopes a connection holds, no more and no fewer.");
        }

        AccessTokenEnvelope = accessTokenEnvelope;
        RefreshTokenEnvelope = refreshTokenEnvelope;
    }

    /// <summary>
    /// The provider sent an event about this connection's data (a webhook). Only an active
    /// connection takes events, and the time only moves forward (deliveries arrive out of order);
    /// answers whether anything changed.
    /// </summary>
    public bool RecordEvent(DateTimeOffset at, DateTimeOffset now)
    {
        if (Status != ConnectionStatus.Active || (LastEventAt is { } last && last >= at))
        {
            return false;
        }

        LastEventAt = at;
        UpdatedAt = now;
        return true;
    }

    /// <summary>
    /// The user changed at the provider what the app may read (Garmin's permission change, a webhook):
    /// <paramref name="scope"/> replaces the granted scope, and the event counts as one of the
    /// connection's (see <see cref="RecordEvent"/>). Only an active connection takes it; answers whether anything changed.
    /// </summary>
    public bool ChangeScope(string scope, DateTimeOffset at, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(scope))
        {
            throw new DomainRuleException("scope_invalid", "A changed grant names at least one scope; none left is a deauthorization.");
        }

        if (Status != ConnectionStatus.Active)
        {
            return false;
        }

        var changed = !string.Equals(Scope, scope, StringComparison.Ordinal);
        Scope = scope;
        if (changed)
        {
            UpdatedAt = now;
        }

        return RecordEvent(at, now) || changed;
    }

    /// <summary>Called by a repository after a successful write.</summary>
    public void SetVersion(string? version) => Version = version;

    public override string ToString() => $"Connection {Id} ({ProjectId}/{PatientId}/{Provider}, {Status})";
}

/// <summary>The encrypted result of an OAuth code exchange, ready to be stored.</summary>
public sealed record OAuthGrant(
    string AccessTokenEnvelope,
    string? RefreshTokenEnvelope,
    DateTimeOffset? ExpiresAt,
    string? Scope,
    string? ProviderUserId,
    string? ProviderUsername)
{
    public override string ToString() => $"OAuthGrant (user {ProviderUserId}, expires {ExpiresAt:O})";
}

/// <summary>
/// The encrypted tokens a connection held when it was revoked (both null for a Junction link,
/// whose tokens Junction keeps).
/// </summary>
public sealed record RevokedTokens(string? AccessTokenEnvelope, string? RefreshTokenEnvelope, DateTimeOffset? ExpiresAt)
{
    public bool HasAccessToken => AccessTokenEnvelope is not null;

    public override string ToString() => $"RevokedTokens (access token {(HasAccessToken ? "held" : "none")})";
}

/// <summary>Every stored field of a connection, for repositories.</summary>
public sealed record ConnectionSnapshot(
    Guid Id,
    string ProjectId,
    string PatientId,
    string Provider,
    ConnectionSource Source,
    ConnectionStatus Status,
    LinkStatus? LinkStatus,
    string? ProviderUserId,
    string? ProviderUsername,
    string? Scope,
    string Address,
    string? AccessTokenEnvelope,
    string? RefreshTokenEnvelope,
    DateTimeOffset? TokenExpiresAt,
    DateTimeOffset? LastSyncedAt,
    DateTimeOffset ConnectedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Version,
    DateTimeOffset? LastEventAt = null)
{
    public override string ToString() => $"ConnectionSnapshot {Id}";
}
