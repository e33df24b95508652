namespace Wearables.Application.Connections.Tokens;

/// <summary>The refresh rules' bounds (configured under <c>Wearables:Tokens:*</c>; see README "Access tokens and refresh").</summary>
public sealed record TokenRefreshOptions
{
    /// <summary>Answer the token requests without a body ask for: valid for at least this long.</summary>
    public static readonly TimeSpan DefaultMinValidity = TimeSpan.FromSeconds(300);

    /// <summary>How long a refresh lock lives without its holder: more than the provider timeout plus the write.</summary>
    public TimeSpan LockLifetime { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a caller waits for another holder's refresh before it re-reads (and answers 502 if still stale).</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>After a transient failure, no provider call for the connection for this long.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Wearables:Tokens:RefreshAheadSeconds</c>: the background refresh window.</summary>
    public TimeSpan RefreshAhead { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary><c>Wearables:Tokens:SweepIntervalSeconds</c>: pause between sweep passes; zero turns the sweep off.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(60);
}
