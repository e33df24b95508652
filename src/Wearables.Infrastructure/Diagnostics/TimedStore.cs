using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>
/// Wraps a store port so that each of its calls, until the returned task completes, adds to
/// <see cref="RequestTimings.Store"/>. One proxy for every port instead of a decorator per port;
/// only installed when Server-Timing is on. The ports return <see cref="Task"/>s.
/// </summary>
public static class TimedStore
{
    public static T Wrap<T>(T inner)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(inner);
        var proxy = DispatchProxy.Create<T, TimedStoreProxy<T>>();
        ((TimedStoreProxy<T>)(object)proxy).Inner = inner;
        return proxy;
    }
}

/// <summary>The proxy behind <see cref="TimedStore.Wrap{T}"/>.</summary>
/// <remarks>Public and unsealed because <see cref="DispatchProxy"/> derives from it at run time.</remarks>
public class TimedStoreProxy<T> : DispatchProxy
    where T : class
{
    internal T Inner { get; set; } = null!;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var timings = RequestTimings.Current;
        var started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = targetMethod.Invoke(Inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        if (timings is null)
        {
            return result;
        }

        if (result is Task task)
        {
            // Registered before the caller awaits, and synchronous: the time is in as the task completes.
            task.ContinueWith(
                static (_, state) =>
                {
                    var (timings, started) = ((RequestTimings, long))state!;
                    timings.AddStore(Stopwatch.GetElapsedTime(started));
                },
                (timings, started),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        else
        {
            timings.AddStore(Stopwatch.GetElapsedTime(started));
        }

        return result;
    }
}
