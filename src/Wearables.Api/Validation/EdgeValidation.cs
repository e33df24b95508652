using System.Collections.Concurrent;
using FluentValidation;
using FluentValidation.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;
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
        Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(services, (p, validator) => new RuledModelsOnly(validator, p));
        return services;
    }

    /// <summary>
    /// MVC validates every bound action argument: route strings, cancellation tokens, bodies. None of our models has a
    /// data annotation or a required member (every body property is nullable), so only the bodies that have
    /// FluentValidation rules have anything to check; the others skip FluentValidation's visitor, which reads the
    /// action's attributes again on every request (about a tenth of a token request's CPU; README, Performance).
    /// </summary>
    public sealed class RuledModelsOnly(IObjectModelValidator validator, IServiceProvider services) : IObjectModelValidator
    {
        private readonly ConcurrentDictionary<Type, bool> ruled = new();

        // Built once: a method group passed to GetOrAdd would be a new delegate on every validated argument.
        private readonly Func<Type, bool> hasRules = type => services.GetService(typeof(IValidator<>).MakeGenericType(type)) is not null;

        public void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string prefix, object? model)
        {
            ArgumentNullException.ThrowIfNull(actionContext);
            if (model is not null && ruled.GetOrAdd(model.GetType(), hasRules))
            {
                validator.Validate(actionContext, validationState, prefix, model);
                return;
            }

            // What MVC's visitor does for a model it need not validate: its entries count as checked (an entry
            // left unvalidated makes the model state invalid, a 400); a binding error stays an error.
            foreach (var entry in actionContext.ModelState.FindKeysWithPrefix(prefix ?? string.Empty))
            {
                if (entry.Value.ValidationState != ModelValidationState.Invalid)
                {
                    entry.Value.ValidationState = ModelValidationState.Skipped;
                }
            }
        }
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
