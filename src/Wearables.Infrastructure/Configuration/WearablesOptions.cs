namespace Wearables.Infrastructure.Configuration;

public enum StorageKind
{
    Embedded,
    Redis,
}

public enum ConnectionsStoreKind
{
    Embedded,
    Fhir,
}

/// <summary>
/// The <c>Wearables</c> configuration section as the adapters read it (names are part of the contract:
/// see README). What only the HTTP host reads (public base URL, bootstrap key, JWT) it binds itself.
/// </summary>
public sealed class WearablesOptions
{
    public const string Section = "Wearables";

    /// <summary><c>Wearables:Storage</c>: settings, credentials, API keys and OAuth state.</summary>
    public StorageKind Storage { get; set; } = StorageKind.Embedded;

    /// <summary><c>Wearables:Connections</c>: where connections (FHIR Endpoint resources) live.</summary>
    public ConnectionsStoreKind Connections { get; set; } = ConnectionsStoreKind.Embedded;

    /// <summary><c>Wearables:DataDirectory</c>: the embedded database and, in Development only, a generated master key.</summary>
    public string DataDirectory { get; set; } = "./data";

    public EncryptionOptions Encryption { get; set; } = new();

    public FhirOptions Fhir { get; set; } = new();

    public JunctionOptions Junction { get; set; } = new();

    public CacheOptions Cache { get; set; } = new();

    public DiagnosticsOptions Diagnostics { get; set; } = new();

    public StateLimitsOptions Limits { get; set; } = new();
}

/// <summary>
/// <c>Wearables:Limits:*</c> as the state stores read them (the HTTP host reads the rate limits of
/// the same section itself).
/// </summary>
public sealed class StateLimitsOptions
{
    /// <summary><c>Wearables:Limits:PendingFlowsPerPatient</c>: pending flows per project, patient and provider; one more drops the oldest.</summary>
    public int PendingFlowsPerPatient { get; set; } = Application.Connections.OAuthStateLimits.DefaultPendingFlowsPerPatient;

    /// <summary><c>Wearables:Limits:PendingStatesPerProject</c>: pending flows per project; beyond, connect answers 429.</summary>
    public int PendingStatesPerProject { get; set; } = Application.Connections.OAuthStateLimits.DefaultPendingStatesPerProject;

    /// <summary><c>Wearables:Limits:ExpiredStatesSweepSeconds</c>: how often the embedded store deletes expired states.</summary>
    public int ExpiredStatesSweepSeconds { get; set; } = 60;

    public Application.Connections.OAuthStateLimits ToStateLimits() =>
        PendingFlowsPerPatient < 1 || PendingStatesPerProject < 1
            ? throw new InvalidOperationException("Wearables:Limits:PendingFlowsPerPatient and Wearables:Limits:PendingStatesPerProject must be at least 1.")
            : new(PendingFlowsPerPatient, PendingStatesPerProject);
}

/// <summary><c>Wearables:Cache:*</c>: the in-process cache of API keys, settings and credential envelopes.</summary>
public sealed class CacheOptions
{
    /// <summary><c>Wearables:Cache:TimeToLiveSeconds</c>: the longest an entry is kept; 0 turns the cache off.</summary>
    public int TimeToLiveSeconds { get; set; } = 30;

    /// <summary><c>Wearables:Cache:MaxEntries</c>.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

public sealed class DiagnosticsOptions
{
    /// <summary>
    /// <c>Wearables:Diagnostics:ServerTiming</c>: a <c>Server-Timing</c> header on every answer (time in
    /// provider calls, in stores, in total). Off by default: it tells any caller how long our dependencies take.
    /// </summary>
    public bool ServerTiming { get; set; }

    /// <summary>
    /// <c>Wearables:Diagnostics:AllocationsFile</c>: a file that the process rewrites four times a second with
    /// the bytes it has allocated so far (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), for the benchmarks'
    /// allocations per request. Off (null) by default.
    /// </summary>
    public string? AllocationsFile { get; set; }
}

public sealed class EncryptionOptions
{
    /// <summary><c>Wearables:Encryption:MasterKey</c>: base64 of 32 bytes.</summary>
    public string? MasterKey { get; set; }

    /// <summary><c>Wearables:Encryption:KeyId</c>: the id written into new envelopes (default <c>k1</c>).</summary>
    public string KeyId { get; set; } = "k1";

    /// <summary><c>Wearables:Encryption:PreviousKeys:&lt;id&gt;</c>: older master keys that still decrypt.</summary>
    public Dictionary<string, string> PreviousKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Wearables:Encryption:KeyCheck</c>: check at start that the configured keys open the stored data (see README "Key rotation").</summary>
    public bool KeyCheck { get; set; } = true;

    /// <summary><c>Wearables:Encryption:CensusMinutes</c>: how often records on an older key are counted for readiness while any remain.</summary>
    public int CensusMinutes { get; set; } = 10;
}

public sealed class FhirOptions
{
    /// <summary><c>Wearables:Fhir:BaseUrl</c>, e.g. <c>https://fhir.example/fhir/R4</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary><c>Wearables:Fhir:BearerToken</c>: optional static token for the FHIR server.</summary>
    public string? BearerToken { get; set; }

    public int TimeoutSeconds { get; set; } = 10;
}

public sealed class JunctionOptions
{
    /// <summary><c>Wearables:Junction:BaseUrl</c>.</summary>
    public string BaseUrl { get; set; } = "https://api.tryvital.io";

    /// <summary>
    /// <c>Wearables:Junction:ApiKey</c>, sent as <c>x-vital-api-key</c> for projects without their own
    /// Junction credentials (single-tenant installs).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// <c>Wearables:Junction:AllowedBaseUrls</c>: base URLs a project may name besides Junction's
    /// regions and <see cref="BaseUrl"/> (a proxy, a test double).
    /// </summary>
    public IList<string> AllowedBaseUrls { get; } = [];

    public int TimeoutSeconds { get; set; } = 10;
}
