using Microsoft.Extensions.DependencyInjection;

namespace Wearables.Infrastructure.Hosting;

/// <summary>Wraps the registration of a service in a decorator (the container has no decoration of its own).</summary>
public static class ServiceDecoration
{
    /// <summary>
    /// Replaces, in its place, the registration that resolves <typeparamref name="TService"/> (the last one that is not
    /// keyed) with <paramref name="decorate"/> around what it produced, keeping its lifetime; false (and nothing
    /// changed) when there is none.
    /// </summary>
    public static bool Decorate<TService>(IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(decorate);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var registered = services[i];
            if (registered.ServiceType != typeof(TService) || registered.IsKeyedService)
            {
                continue;
            }

            Func<IServiceProvider, TService> inner = registered switch
            {
                { ImplementationInstance: TService instance } => _ => instance,
                { ImplementationFactory: { } factory } => p => (TService)factory(p),
                { ImplementationType: { } type } => p => (TService)ActivatorUtilities.CreateInstance(p, type),
                _ => throw new InvalidOperationException($"The registration of {typeof(TService).Name} cannot be decorated."),
            };
            services[i] = new ServiceDescriptor(typeof(TService), p => decorate(p, inner(p)), registered.Lifetime);
            return true;
        }

        return false;
    }
}
