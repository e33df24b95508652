using FluentValidation;
using FluentValidation.AspNetCore;
using Wearables.Api.Controllers;
using Wearables.Application.ApiKeys.Commands.CreateApiKey;
using Wearables.Application.Connections.Commands.ExchangeLinkToken;
using Wearables.Application.Credentials.Commands.SetCredentials;

namespace Wearables.Api.Validation;

/// <summary>
/// Request bodies validated at the edge, after authorization, the unknown-provider check and model
/// binding (400 malformed), before the controller runs: the order the contracts give.
/// <list type="bullet">
/// <item>PUT credentials, POST api-keys, POST link/exchange: their checks need no store and come
/// right after binding, so they run here.</item>
/// <item>POST connect stays in the pipeline: its contract puts the patient check (403) and two
/// checks that read the project's settings and credentials (provider_disabled, credentials_missing)
/// before any check of the body.</item>
/// <item>PUT setting stays in the handler: whether the value is valid depends on the key in the route,
/// which is checked (404) first.</item>
/// </list>
/// </summary>
public static class EdgeValidation
{
    public static IServiceCollection AddEdgeValidation(this IServiceCollection services)
    {
        services.AddValidatorsFromAssemblyContaining<SetCredentialsBodyValidator>(ServiceLifetime.Singleton);
        services.AddFluentValidationAutoValidation();
        return services;
    }
}

public sealed class SetCredentialsBodyValidator(IValidator<SetCredentialsCommand> rules, IHttpContextAccessor http)
    : CommandRulesValidator<SetCredentialsRequest, SetCredentialsCommand>(rules, http)
{
    protected override SetCredentialsCommand ToCommand(SetCredentialsRequest body, HttpRequest request) =>
        new((string)request.RouteValues["provider"]!, body.ClientId, body.ClientSecret, body.WebhookSecret);
}

public sealed class CreateApiKeyBodyValidator(IValidator<CreateApiKeyCommand> rules, IHttpContextAccessor http)
    : CommandRulesValidator<CreateApiKeyRequest, CreateApiKeyCommand>(rules, http)
{
    protected override CreateApiKeyCommand ToCommand(CreateApiKeyRequest body, HttpRequest request) =>
        new(body.Name, body.Role, body.PatientId);
}

public sealed class ExchangeLinkTokenBodyValidator(IValidator<ExchangeLinkTokenCommand> rules, IHttpContextAccessor http)
    : CommandRulesValidator<ExchangeLinkTokenRequest, ExchangeLinkTokenCommand>(rules, http)
{
    protected override ExchangeLinkTokenCommand ToCommand(ExchangeLinkTokenRequest body, HttpRequest request) =>
        new(body.LinkToken, body.Provider);
}
