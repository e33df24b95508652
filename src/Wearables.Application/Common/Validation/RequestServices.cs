using FluentValidation;
using Microsoft.Extensions.DependencyInjection;

namespace Wearables.Application.Common.Validation;

/// <summary>
/// Validators are singletons: FluentValidation builds a validator's rules in its constructor, and
/// building them for every request cost connect about 5 % of its CPU. What a rule needs from the
/// request's scope (the caller, the per-request store caches) it takes from the validation context,
/// where <see cref="Behaviors.ValidationBehavior{TRequest, TResponse}"/> puts the request's services.
/// </summary>
public static class RequestServices
{
    private const string Key = "Wearables.RequestServices";

    /// <summary>Makes <paramref name="services"/> (the request's scope) reachable from the rules validating under <paramref name="context"/>.</summary>
    public static void Attach(IValidationContext context, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(services);
        context.RootContextData[Key] = services;
    }

    /// <summary>A service of the request being validated.</summary>
    /// <exception cref="InvalidOperationException">The validator runs outside the pipeline, with no request attached: fail rather than guess.</exception>
    public static T RequestService<T>(this IValidationContext context)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RootContextData.TryGetValue(Key, out var attached) && attached is IServiceProvider services
            ? services.GetRequiredService<T>()
            : throw new InvalidOperationException($"{context.InstanceToValidate?.GetType().Name} is validated without request services: run it through ValidationBehavior.");
    }
}
