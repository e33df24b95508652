using MediatR;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Exceptions;
using Wearables.Domain.Common;

namespace Wearables.Application.Webhooks.Queries.AnswerHandshake;

/// <summary>
/// A provider's subscription handshake on a project's webhook URL (Strava's <c>hub.challenge</c>,
/// Fitbit's <c>verify</c> code, Withings' probe; <c>GET</c> or <c>HEAD</c>):
/// answered as the provider's verifier decides against the project's stored token. A project id
/// that cannot exist is refused the same way as a wrong token.
/// </summary>
public sealed record AnswerHandshakeQuery(WebhookRequest Request) : IRequest<WebhookHandshakeAnswer>, IProviderRequest
{
    public string Provider => Request.Provider;

    public override string ToString() => $"AnswerHandshakeQuery ({Request.Provider})";
}

public sealed partial class AnswerHandshakeQueryHandler(WebhookProviders providers, WebhookSecretsReader secrets, ILogger<AnswerHandshakeQueryHandler> logger)
    : IRequestHandler<AnswerHandshakeQuery, WebhookHandshakeAnswer>
{
    public async Task<WebhookHandshakeAnswer> Handle(AnswerHandshakeQuery query, CancellationToken cancellationToken)
    {
        var request = query.Request;
        var verifier = providers.Verifier(request.Provider);
        var known = Identifiers.IsProjectId(request.ProjectId)
            ? await secrets.ReadAsync(request.ProjectId, request.Provider, cancellationToken).ConfigureAwait(false)
            : WebhookSecrets.None;
        var answer = verifier.Handshake(request, known);
        LogHandshake(logger, request.Provider, Identifiers.IsProjectId(request.ProjectId) ? request.ProjectId : "(invalid)", answer.Status);
        return answer switch
        {
            { Accepted: true } => answer,
            { Status: 404, Error: { } error } => throw new NotFoundException(error, "The handshake does not carry this project's verification code."),
            { Status: 404 } => throw new NotFoundException("webhook_handshake_unsupported", "This provider has no subscription handshake."),
            _ => throw new ForbiddenException("webhook_verify_token_invalid", "The handshake does not carry this project's verify token."),
        };
    }

    [LoggerMessage(LogLevel.Information, "Webhook handshake of {Provider} for project {ProjectId} answered {Status}")]
    private static partial void LogHandshake(ILogger logger, string provider, string projectId, int status);
}
