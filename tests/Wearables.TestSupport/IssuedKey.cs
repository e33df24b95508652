namespace Wearables.TestSupport;

/// <summary>A key issued for a test: <see cref="Id"/> is its public prefix, <see cref="Key"/> the whole secret.</summary>
public sealed record IssuedKey(string Id, string Key, string ProjectId)
{
    // The secret stays out of assertion messages and test logs.
    public override string ToString() => $"IssuedKey {Id} ({ProjectId})";
}
