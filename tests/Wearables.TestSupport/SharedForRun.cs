namespace Wearables.TestSupport;

/// <summary>One instance of a test server for the whole run: started on first use, disposed when the test host exits.</summary>
public sealed class SharedForRun<T>(Func<Task<T>> start)
    where T : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private T? instance;

    public async Task<T> GetAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (instance is null)
            {
                var started = await start().ConfigureAwait(false);
                instance = started;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => started.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return instance;
        }
        finally
        {
            gate.Release();
        }
    }
}
