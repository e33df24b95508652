using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;
using Wearables.Domain.Common;

namespace Wearables.Application.Webhooks.Commands.ReceiveWebhook;

/// <summary>
/// An event delivery on a project's webhook URL. In order: a media type the provider does not send
/// → 415; a sender outside the provider's configured address ranges → 403 (when it has ranges, or
/// its verifier requires them: then none configured refuses all); the provider's proof missing or
/// wrong → 401 (a liveness ping is answered at once); a body that is not the provider's shape → 400. What remains is queued in the durable inbox,
/// once per delivery (a repeat within 24 h is answered without being queued), and applied by the
/// background worker after the answer: the provider gets its 200 (or 204) within its limit whatever the work.
/// </summary>
public sealed record ReceiveWebhookCommand(WebhookRequest Request, string? ContentType) : IRequest<WebhookReceipt>, IProviderRequest
{
    public string Provider => Request.Provider;

    public override string ToString() => $"ReceiveWebhookCommand ({Request.Provider})";
}

/// <summary>
/// What became of a delivery: <c>queued</c>, <c>duplicate</c>, <c>ping</c> or <c>ignored</c> (nothing in it is the
/// project's), and the HTTP status the provider wants for it (<see cref="IWebhookVerifier.SuccessStatus"/>).
/// </summary>
public sealed record WebhookReceipt(string Status, int HttpStatus = 200);

public sealed partial class ReceiveWebhookCommandHandler(
    WebhookProviders providers,
    RequestedProvider requested,
    WebhookSecretsReader secrets,
    IWebhookInbox inbox,
    IWebhookInboxSignal signal,
    ILogger<ReceiveWebhookCommandHandler> logger) : IRequestHandler<ReceiveWebhookCommand, WebhookReceipt>
{
    public async Task<WebhookReceipt> Handle(ReceiveWebhookCommand command, CancellationToken cancellationToken)
    {
        var request = command.Request;
        var verifier = providers.Verifier(request.Provider);
        if (!AcceptsMediaType(verifier, command.ContentType))
        {
            throw new UnsupportedMediaTypeException("unsupported_media_type", $"Webhook bodies of this provider are {string.Join(" or ", verifier.MediaTypes)}.");
        }

        if (!Identifiers.IsProjectId(request.ProjectId))
        {
            throw new NotFoundException("webhook_not_found", "No project has this webhook URL.");
        }

        if (!FromAllowedSource(verifier, requested.Resolve(request.Provider), request))
        {
            LogSourceRefused(logger, request.Provider, request.ProjectId);
            throw new ForbiddenException("webhook_source_refused", "Webhooks of this provider are taken only from its configured address ranges.");
        }

        var known = await secrets.ReadAsync(request.ProjectId, request.Provider, cancellationToken).ConfigureAwait(false);
        switch (verifier.Verify(request, known))
        {
            case WebhookProof.Ping:
                LogPing(logger, request.Provider, request.ProjectId);
                return new WebhookReceipt("ping", verifier.SuccessStatus);
            case WebhookProof.Invalid:
                LogRefused(logger, request.Provider, request.ProjectId);
                throw new UnauthorizedException("webhook_signature_invalid", "The webhook signature is missing or wrong.");
        }

        var parsed = verifier.Parse(request, known)
            ?? throw new BadRequestException("malformed_request", "The webhook body is not valid JSON of the provider's event shape.");
        if (parsed.Events.Count == 0)
        {
            LogIgnored(logger, request.Provider, request.ProjectId, parsed.Ignored);
            return new WebhookReceipt("ignored", verifier.SuccessStatus);
        }

        var delivery = new InboxDelivery(Guid.NewGuid(), request.ProjectId, request.Provider, parsed.Events, request.ReceivedAt);
        if (!await inbox.AcceptAsync(delivery, DeliveryKey(request, parsed.DeliveryId), cancellationToken).ConfigureAwait(false))
        {
            LogDuplicate(logger, request.Provider, request.ProjectId);
            return new WebhookReceipt("duplicate", verifier.SuccessStatus);
        }

        signal.Notify();
        return new WebhookReceipt("queued", verifier.SuccessStatus);
    }

    /// <summary>One key per project, provider and delivery: the provider's id for it, else the hash of the exact body.</summary>
    public static string DeliveryKey(WebhookRequest request, string? deliveryId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identity = deliveryId is null ? "body:" + Convert.ToHexStringLower(SHA256.HashData(request.Body.Span)) : "id:" + deliveryId;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{request.ProjectId}\n{request.Provider}\n{identity}")));
    }

    /// <summary>The sender (as the forwarded-headers middleware resolved it) is in the provider's ranges; no ranges: only when the verifier requires none.</summary>
    private static bool FromAllowedSource(IWebhookVerifier verifier, ProviderDescriptor provider, WebhookRequest request)
    {
        var ranges = provider.WebhookAllowedRanges;
        if (ranges.Count == 0)
        {
            return !verifier.RequiresAllowedSource;
        }

        if (request.RemoteAddress is not { } address)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return ranges.Any(r => r.Contains(address));
    }

    private static bool AcceptsMediaType(IWebhookVerifier verifier, string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }

        var separator = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (separator < 0 ? contentType : contentType[..separator]).Trim();
        return verifier.MediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase);
    }

    [LoggerMessage(LogLevel.Information, "Webhook ping of {Provider} for project {ProjectId} answered")]
    private static partial void LogPing(ILogger logger, string provider, string projectId);

    [LoggerMessage(LogLevel.Warning, "Webhook of {Provider} for project {ProjectId} refused: the sender is outside the configured address ranges")]
    private static partial void LogSourceRefused(ILogger logger, string provider, string projectId);

    [LoggerMessage(LogLevel.Warning, "Webhook of {Provider} for project {ProjectId} refused: signature missing or wrong")]
    private static partial void LogRefused(ILogger logger, string provider, string projectId);

    [LoggerMessage(LogLevel.Information, "Webhook of {Provider} for project {ProjectId} ignored ({Ignored} events not of the project's subscription)")]
    private static partial void LogIgnored(ILogger logger, string provider, string projectId, int ignored);

    [LoggerMessage(LogLevel.Information, "Webhook of {Provider} for project {ProjectId} is a repeated delivery: answered, not applied again")]
    private static partial void LogDuplicate(ILogger logger, string provider, string projectId);
}
