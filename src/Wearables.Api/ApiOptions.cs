using Wearables.Infrastructure.Configuration;

namespace Wearables.Api;

/// <summary>
/// The parts of the <c>Wearables</c> section that only the HTTP host reads (names are part of the
/// contract: see README); the adapters' parts are <see cref="WearablesOptions"/>. Bound once, by <see cref="ApiServices"/>.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = WearablesOptions.Section;

    /// <summary><c>Wearables:PublicBaseUrl</c>: the external base URL used to build redirect_uri.</summary>
    public string? PublicBaseUrl { get; set; }

    public BootstrapOptions Bootstrap { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public Limits.EdgeLimitsOptions Limits { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();

    /// <summary><c>Wearables:ShutdownTimeoutSeconds</c>: how long a stopping service waits for requests and refreshes in progress.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>The start-up warm-up (<see cref="Hosting.StartupWarmup"/>).</summary>
    public Hosting.WarmupOptions Warmup { get; set; } = new();
}

/// <summary><c>Wearables:Metrics:*</c>: the Prometheus scrape endpoint.</summary>
public sealed class MetricsOptions
{
    /// <summary><c>Wearables:Metrics:Enabled</c>: serve <c>/metrics</c> (and collect what it shows).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// <c>Wearables:Metrics:Port</c>: answer <c>/metrics</c> only on connections to this local port (add it to
    /// <c>--urls</c>, e.g. on a private interface); elsewhere it is a 404. Unset: every port.
    /// </summary>
    public int? Port { get; set; }
}

public sealed class BootstrapOptions
{
    /// <summary><c>Wearables:Bootstrap:Project</c>: the project of the first admin key.</summary>
    public string Project { get; set; } = "default";

    /// <summary><c>Wearables:Bootstrap:AdminApiKey</c>: use this key instead of a random one.</summary>
    public string? AdminApiKey { get; set; }
}

public sealed class AuthOptions
{
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary><c>Wearables:Auth:Jwt:*</c>: JWT bearer tokens from a configured issuer.</summary>
public sealed class JwtOptions
{
    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    /// <summary>Base64 of a symmetric HMAC key (≥ 32 bytes).</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect authority whose published keys sign the tokens.</summary>
    public string? Authority { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(Authority);
}
