using System.Reflection;
using Wearables.Application.Credentials;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>
/// Forwards every call to a real <see cref="IProjectSecretStore"/> and runs a hook right after the
/// next read completes: a concurrent writer landing between a read and the write that follows it,
/// made deterministic. A proxy, so members added to the port later are forwarded too.
/// </summary>
public class AfterReadHook : DispatchProxy
{
    private IProjectSecretStore inner = null!;
    private Func<Task>? afterNextRead;

    public static IProjectSecretStore Wrap(IProjectSecretStore inner, Func<Task> afterNextRead)
    {
        var proxy = Create<IProjectSecretStore, AfterReadHook>();
        var hook = (AfterReadHook)(object)proxy;
        hook.inner = inner;
        hook.afterNextRead = afterNextRead;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(inner, args);
        if (targetMethod.Name == nameof(IProjectSecretStore.GetAsync) && afterNextRead is { } hook)
        {
            afterNextRead = null;
            return ThenAsync((Task<StoredCredentials?>)result!, hook);
        }

        return result;
    }

    private static async Task<StoredCredentials?> ThenAsync(Task<StoredCredentials?> read, Func<Task> hook)
    {
        var stored = await read;
        await hook();
        return stored;
    }
}
