using System.Text.Json.Serialization;
using MediatR;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Junction;
using Wearables.Domain.Common;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections.Commands.ExchangeLinkToken;

/// <summary>Exchanges a Junction Link token for the Junction user id and persists the connection (the Junction Link exchange contract).</summary>
public sealed record ExchangeLinkTokenCommand(string? LinkToken, string? Provider) : IRequest<LinkedConnectionDto>, IReportsValidationAsBadRequest
{
    /// <summary>The providers the Junction Link exchange contract allows.</summary>
    public static readonly IReadOnlyList<string> Providers =
        ["apple_health_kit", "google_fit", "oura", "whoop", "eight_sleep", "dexcom", "freestyle_libre", "garmin"];

    public override string ToString() => $"ExchangeLinkTokenCommand ({Provider}) [token redacted]";
}

/// <summary>The persisted connection, in the Junction Link exchange shape (snake_case).</summary>
public sealed class LinkedConnectionDto
{
    [JsonPropertyName("id")]
    public required Guid Id { get; init; }

    [JsonPropertyName("patient_id")]
    public required string PatientId { get; init; }

    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    [JsonPropertyName("junction_user_id")]
    public required string JunctionUserId { get; init; }

    /// <summary>connected | disconnected | error | pending.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("connected_at")]
    public required string ConnectedAt { get; init; }

    [JsonPropertyName("last_synced_at")]
    public required string? LastSyncedAt { get; init; }
}

public sealed class ExchangeLinkTokenCommandHandler(
    ICallerContext caller,
    IJunctionClient junction,
    JunctionCredentials accounts,
    ConnectionWriter writer) : IRequestHandler<ExchangeLinkTokenCommand, LinkedConnectionDto>
{
    /// <summary>Used when the request names no provider and Junction shows none connected yet.</summary>
    public const string UnspecifiedProvider = "junction";

    /// <summary>Nothing was issued yet that could be lost: only a concurrent writer is worth a re-read (twice, at once).</summary>
    private static readonly SaveRetry Retry = new([TimeSpan.Zero, TimeSpan.Zero], WhenStoreDown: false);

    public async Task<LinkedConnectionDto> Handle(ExchangeLinkTokenCommand request, CancellationToken cancellationToken)
    {
        var identity = caller.Caller;

        // The project's own Junction team: a link token issued by another project's team is unknown to it.
        var account = await accounts.AccountForAsync(identity.ProjectId, cancellationToken).ConfigureAwait(false);

        // Every upstream call first: nothing is stored unless Junction answered all three.
        var junctionUserId = await junction.ValidateLinkTokenAsync(account, request.LinkToken!, cancellationToken).ConfigureAwait(false)
            ?? throw new BadRequestException("link_token_invalid", "The link token is invalid or has already been used.");
        var user = await junction.GetUserAsync(account, junctionUserId, cancellationToken).ConfigureAwait(false);
        if (!Identifiers.IsFhirId(user.ClientUserId))
        {
            throw new UpstreamException("junction_invalid_response", "Junction's user has no usable client_user_id (the platform patient id).");
        }

        var patientId = user.ClientUserId!;
        if (!identity.MayActFor(patientId))
        {
            throw new ForbiddenException("patient_forbidden", "The link token belongs to another patient.");
        }

        var upstream = await junction.GetProvidersAsync(account, junctionUserId, cancellationToken).ConfigureAwait(false);
        var provider = request.Provider
            ?? upstream.Where(p => IsConnected(p) && ExchangeLinkTokenCommand.Providers.Contains(p.Slug)).Select(p => p.Slug).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? UnspecifiedProvider;
        var status = upstream.Any(p => p.Slug == provider && IsConnected(p)) ? LinkStatus.Connected : LinkStatus.Pending;

        var address = account.BaseUrl.ToString();
        var connection = await writer.UpsertAsync(
            identity.ProjectId, patientId, provider, ConnectionSource.Junction,
            (c, now) =>
            {
                // Oura, WHOOP, Garmin and Dexcom are also direct OAuth providers, and there is one connection per
                // patient and provider: a link must not silently drop a live grant (its tokens, unrevoked at the provider).
                if (c.Source == ConnectionSource.OAuth && c.Status == ConnectionStatus.Active)
                {
                    throw new ConflictException(
                        "connected_directly",
                        $"The patient is connected to {provider} directly; disconnect that connection before linking it through Junction.");
                }

                c.LinkThroughJunction(junctionUserId, status, address, now);
            },
            Retry,
            cancellationToken).ConfigureAwait(false);
        return new LinkedConnectionDto
        {
            Id = connection.Id,
            PatientId = connection.PatientId,
            Provider = connection.Provider,
            JunctionUserId = junctionUserId,
            Status = status.ToString().ToLowerInvariant(),
            ConnectedAt = Timestamps.Format(connection.ConnectedAt),
            LastSyncedAt = connection.LastSyncedAt is { } synced ? Timestamps.Format(synced) : null,
        };
    }

    private static bool IsConnected(JunctionProvider p) => string.Equals(p.Status, "connected", StringComparison.OrdinalIgnoreCase);
}
