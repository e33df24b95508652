namespace Wearables.Api.Hosting;

/// <summary>Wraps the last registration of a service in a decorator (the container has no decoration of its own).</summary>
public static class ServiceDecoration
{
    /// <summary>
    /// Replaces the last registration of <typeparamref name="TService"/> with <paramref name="decorate"/> around what it
    /// produced, keeping its lifetime; false (and nothing changed) when there is none, or it is keyed.
    /// </summary>
    public static bool Decorate<TService>(IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(decorate);
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(TService));
        if (registered is null || registered.IsKeyedService)
        {
            return false;
        }

        Func<IServiceProvider, TService> inner = registered switch
        {
            { ImplementationInstance: TService instance } => _ => instance,
            { ImplementationFactory: { } factory } => p => (TService)factory(p),
            { ImplementationType: { } type } => p => (TService)ActivatorUtilities.CreateInstance(p, type),
            _ => throw new InvalidOperationException($"The registration of {typeof(TService).Name} cannot be decorated."),
        };
        services.Remove(registered);
        services.Add(new ServiceDescriptor(typeof(TService), p => decorate(p, inner(p)), registered.Lifetime));
        return true;
    }
}
