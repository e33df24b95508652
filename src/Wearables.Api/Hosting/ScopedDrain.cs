namespace Wearables.Api.Hosting;

/// <summary>Drains a job store a batch at a time, each batch in a scope of its own, until a batch comes back short.</summary>
internal static class ScopedDrain
{
    public static async Task<int> RunAsync(IServiceScopeFactory scopes, int batchSize, Func<IServiceProvider, CancellationToken, Task<int>> batch, CancellationToken cancellationToken)
    {
        var total = 0;
        for (var claimed = batchSize; claimed == batchSize;)
        {
            await using var scope = scopes.CreateAsyncScope();
            claimed = await batch(scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
            total += claimed;
        }

        return total;
    }
}
