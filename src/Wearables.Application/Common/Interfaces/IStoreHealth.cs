namespace Wearables.Application.Common.Interfaces;

/// <summary>A store that can say whether it is reachable (for /health/ready).</summary>
public interface IStoreHealth
{
    string Name { get; }

    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}
