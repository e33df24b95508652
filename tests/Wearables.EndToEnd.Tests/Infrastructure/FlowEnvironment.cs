using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;
using Wearables.Fakes;
using Wearables.TestSupport;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>A project of the service with the keys and clients to act in it.</summary>
public sealed record Tenant(string ProjectId, string AdminKey, string ServiceKey, HttpClient Admin, HttpClient Service)
{
    public override string ToString() => $"Tenant {ProjectId}";
}

/// <summary>What connect answered, with the authorization URL's query taken apart.</summary>
public sealed record ConnectFlow(string Provider, string PatientId, string State, Uri AuthorizationUrl, IReadOnlyDictionary<string, string> Query)
{
    /// <summary>The redirect_uri the provider was told (our callback).</summary>
    public string CallbackUri => Query["redirect_uri"];

    public override string ToString() => $"ConnectFlow ({Provider}/{PatientId})";
}

/// <summary>
/// Everything a flow test needs, started once per storage × connections combination and shared
/// by the fixtures of that combination: the service on Kestrel, FakeStrava, FakePolar and a fake of each
/// further provider of the catalog (<see cref="Catalog"/>), a local "dashboard", one fully configured
/// project (credentials of the fakes, every toggle on, the
/// dashboard as allowed redirect origin), and a ledger of every secret the flows handled.
/// Tests isolate themselves by patient id (or a tenant of their own) and run one after another.
/// </summary>
public sealed class FlowEnvironment : IAsyncDisposable
{
    /// <summary>Strava's documented scopes for this service, comma-separated.</summary>
    public const string StravaScope = "read,activity:read_all";

    /// <summary>An https origin that is on the project's allow list (never actually visited).</summary>
    public const string AllowedHttpsOrigin = "https://my.dashboard.example";

    /// <summary>How long the fakes hang in Slow mode; well over the service's 2 s provider timeout.</summary>
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(5);

    private static readonly ConcurrentDictionary<(StorageMode, ConnectionsMode), Lazy<Task<FlowEnvironment>>> SharedEnvironments = new();
    private readonly List<HttpClient> clients = [];
    private FhirServer? ownedFhir;

    private FlowEnvironment(ServiceHost host, FakeStrava strava, FakePolar polar, IReadOnlyDictionary<string, FakeCatalogProvider> catalog, Dashboard dashboard, FhirServer? fhir, bool ownsFhir)
    {
        Host = host;
        Strava = strava;
        Polar = polar;
        Catalog = catalog;
        Dashboard = dashboard;
        Fhir = fhir;
        ownedFhir = ownsFhir ? fhir : null;
        Anonymous = NewClient(null);
        Secrets.Add("bootstrap admin key", host.BootstrapAdminKey);
        Secrets.Add("master key", host.MasterKey);
        Secrets.Add("strava client secret", strava.ClientSecret);
        Secrets.Add("polar client secret", polar.ClientSecret);
        foreach (var fake in catalog.Values)
        {
            Secrets.Add(fake.Provider + " client secret", fake.ClientSecret);
        }
    }

    public ServiceHost Host { get; }

    public FakeStrava Strava { get; }

    public FakePolar Polar { get; }

    /// <summary>The fakes of the catalog's further providers (Garmin, WHOOP, …), by slug; Oura's plays an app of its new developer portal.</summary>
    public IReadOnlyDictionary<string, FakeCatalogProvider> Catalog { get; }

    /// <summary>Every OAuth fake, Strava and Polar first.</summary>
    public IEnumerable<OAuthFake> OAuthFakes => new OAuthFake[] { Strava, Polar }.Concat(Catalog.Values);

    /// <summary>Every provider slug of the catalog, each with its fake.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["strava", "polar", .. FakeProviderFacts.All.Select(f => f.Provider)];

    public Dashboard Dashboard { get; }

    /// <summary>The FHIR engine in Fhir mode; null otherwise.</summary>
    public FhirServer? Fhir { get; }

    /// <summary>The fully configured project the tests work in.</summary>
    public Tenant Tenant { get; private set; } = null!;

    /// <summary>Without any key; does not follow redirects.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>Every secret the tests handled: keys, client secrets, states, codes (tokens: <see cref="AllSecrets"/>).</summary>
    public SecretLedger Secrets { get; } = new();

    /// <summary>One environment per combination for the whole run (see <see cref="SharedEnvironments"/>).</summary>
    public static Task<FlowEnvironment> SharedAsync(StorageMode storage, ConnectionsMode connections) =>
        SharedEnvironments.GetOrAdd((storage, connections), key => new Lazy<Task<FlowEnvironment>>(() => StartAsync(key.Item1, key.Item2))).Value;

    public static async Task DisposeSharedAsync()
    {
        foreach (var lazy in SharedEnvironments.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await lazy.Value.Result.DisposeAsync();
            }
        }

        SharedEnvironments.Clear();
    }

    /// <param name="dedicatedFhir">A FHIR server owned (and disposed) by this environment, for tests that stop it.</param>
    /// <param name="settings">More configuration for the service (e.g. a provider's <c>UsePkce</c>), over the environment's own.</param>
    /// <param name="testServices">Replacements in the service's container (see <see cref="ServiceHost.StartAsync"/>).</param>
    public static async Task<FlowEnvironment> StartAsync(
        StorageMode storage, ConnectionsMode connections, FhirServer? dedicatedFhir = null, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? testServices = null)
    {
        var strava = new FakeStrava("e2e-strava-" + RandomNumberGenerator.GetHexString(8, lowercase: true), RandomNumberGenerator.GetHexString(48, lowercase: true))
        {
            SlowDelay = SlowDelay,
        };
        var polar = new FakePolar("e2e-polar-" + RandomNumberGenerator.GetHexString(8, lowercase: true), RandomNumberGenerator.GetHexString(48, lowercase: true))
        {
            SlowDelay = SlowDelay,
        };
        var catalog = FakeProviderFacts.All.ToDictionary(
            f => f.Provider,
            f => new FakeCatalogProvider(f, $"e2e-{f.Provider}-" + RandomNumberGenerator.GetHexString(8, lowercase: true), RandomNumberGenerator.GetHexString(48, lowercase: true))
            {
                SlowDelay = SlowDelay,
                NewPortalApp = f.NewPortalRefreshPath is not null,
            },
            StringComparer.Ordinal);
        await Task.WhenAll(catalog.Values.Select(f => f.StartAsync()).Append(strava.StartAsync()).Append(polar.StartAsync()));
        var dashboard = await Dashboard.StartAsync();

        var fhir = connections == ConnectionsMode.Fhir ? dedicatedFhir ?? await FhirServer.SharedAsync() : null;
        var redis = storage == StorageMode.Redis ? await RedisServer.SharedAsync() : null;
        var serviceSettings = new Dictionary<string, string?>(strava.ServiceSettings().Concat(polar.ServiceSettings()).Concat(catalog.Values.SelectMany(f => f.ServiceSettings())))
        {
            ["Wearables:Providers:TimeoutSeconds"] = "2",

            // The flows count provider calls; the sweep has a drill of its own (Resilience RefreshSweepDrill).
            ["Wearables:Tokens:SweepIntervalSeconds"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            serviceSettings[key] = value;
        }

        var host = await ServiceHost.StartAsync(new WearablesServiceOptions
        {
            Storage = storage,
            Connections = connections,
            RedisConnectionString = redis?.ConnectionString,
            FhirBaseUrl = fhir?.BaseUrl,
            Settings = serviceSettings,
        }, testServices);

        var environment = new FlowEnvironment(host, strava, polar, catalog, dashboard, fhir, ownsFhir: dedicatedFhir is not null);
        try
        {
            environment.Tenant = await environment.NewTenantAsync(host.BootstrapProject);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the FHIR server this environment owns (see <see cref="StartAsync"/>), making the connection store unreachable.</summary>
    public async Task StopOwnedFhirAsync()
    {
        var fhir = ownedFhir ?? throw new InvalidOperationException("This environment owns no FHIR server.");
        ownedFhir = null;
        await fhir.DisposeAsync();
    }

    public static string NewPatientId() => "pat-" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The fake standing in for a provider slug.</summary>
    public OAuthFake Fake(string provider) => provider switch
    {
        "strava" => Strava,
        "polar" => Polar,
        _ => Catalog.TryGetValue(provider, out var fake) ? fake : throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public Uri FakeApiBaseUrl(string provider) => Fake(provider).ApiBaseUrl;

    public string FakeClientId(string provider) => Fake(provider).ClientId;

    /// <summary>Everything the fakes ever handed out as access or refresh tokens.</summary>
    public IReadOnlyCollection<string> IssuedTokens =>
        [.. OAuthFakes.SelectMany(f => f.IssuedAccessTokens.Concat(f.IssuedRefreshTokens))];

    /// <summary>
    /// The ledger plus everything the fakes saw or issued: access and refresh tokens, and every code
    /// and PKCE verifier the service presented at a token endpoint (codes of browser flows never pass through the test).
    /// </summary>
    public IReadOnlyDictionary<string, string> AllSecrets()
    {
        var all = new Dictionary<string, string>(Secrets.All, StringComparer.Ordinal);
        foreach (var token in OAuthFakes.SelectMany(f => f.IssuedAccessTokens))
        {
            all.TryAdd(token, "access token");
        }

        foreach (var token in OAuthFakes.SelectMany(f => f.IssuedRefreshTokens))
        {
            all.TryAdd(token, "refresh token");
        }

        foreach (var request in OAuthFakes.SelectMany(f => f.Requests))
        {
            if (request.Form.TryGetValue("code", out var code) && code.Length >= 16)
            {
                all.TryAdd(code, "code");
            }

            if (request.Form.TryGetValue("code_verifier", out var verifier) && verifier.Length >= 16)
            {
                all.TryAdd(verifier, "pkce verifier");
            }

            if (request.Query.TryGetValue("state", out var state) && state.Length >= 16)
            {
                all.TryAdd(state, "state");
            }

            if (request.Form.TryGetValue("state", out var formState) && formState.Length >= 16)
            {
                all.TryAdd(formState, "state");
            }
        }

        return all;
    }

    /// <summary>Brings the fakes back to normal between tests (a test may have stopped one or changed its mode).</summary>
    public async Task ResetFakesAsync()
    {
        foreach (var fake in OAuthFakes)
        {
            fake.ResetFaults();
            fake.InitialAccessTokenLifetime = null;
            fake.RefreshRotation = fake is FakeCatalogProvider catalog ? catalog.Facts.Rotation : RefreshRotation.RotateStrict;
            fake.SlowDelay = SlowDelay;
            if (fake is FakeCatalogProvider { } further)
            {
                further.WithingsRefreshStatus = null;
            }

            await fake.StartAsync();
        }
    }

    /// <summary>An HttpClient for the service that sends <paramref name="apiKey"/> (if any) and never follows redirects.</summary>
    public HttpClient NewClient(string? apiKey)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = Host.BaseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
            Secrets.Add("API key", apiKey);
        }

        lock (clients)
        {
            clients.Add(client);
        }

        return client;
    }

    public async Task<string> IssueKeyAsync(string projectId, Role role, string? patientId = null)
    {
        var key = (await Host.IssueKeyAsync(projectId, role, patientId)).Key;
        Secrets.Add("API key", key);
        return key;
    }

    /// <summary>
    /// A project with an admin and a service key; by default with both providers' credentials,
    /// both toggles on and the dashboard (plus <see cref="AllowedHttpsOrigin"/>) as allowed redirect origins.
    /// </summary>
    public async Task<Tenant> NewTenantAsync(string? projectId = null, bool credentials = true, bool enabled = true, string? redirectOrigins = "default")
    {
        projectId ??= ServiceHost.NewProjectId();
        var adminKey = await IssueKeyAsync(projectId, Role.Admin);
        var serviceKey = await IssueKeyAsync(projectId, Role.Service);
        var tenant = new Tenant(projectId, adminKey, serviceKey, NewClient(adminKey), NewClient(serviceKey));
        if (credentials)
        {
            foreach (var provider in Providers)
            {
                await PutCredentialsAsync(tenant, provider);
            }
        }

        if (enabled)
        {
            foreach (var provider in Providers)
            {
                await SetSettingAsync(tenant, $"WEARABLE_{provider.ToUpperInvariant()}_ENABLED", true);
            }
        }

        if (redirectOrigins is not null)
        {
            await SetSettingAsync(tenant, "WEARABLE_REDIRECT_ORIGINS", redirectOrigins == "default" ? $"{Dashboard.Origin},{AllowedHttpsOrigin}" : redirectOrigins);
        }

        return tenant;
    }

    public async Task PutCredentialsAsync(Tenant tenant, string provider)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var fake = Fake(provider);
        var (id, secret) = (fake.ClientId, fake.ClientSecret);
        var response = await tenant.Admin.PutJsonAsync($"/v1/wearables/{provider}/credentials", new { clientId = id, clientSecret = secret });
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.GetProperty("configured").GetBoolean(), Is.True);
    }

    public async Task SetSettingAsync(Tenant tenant, string key, object value)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var response = await tenant.Admin.PutJsonAsync($"/v1/project/settings/{key}", new { value });
        await response.ExpectJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>POST connect; answers the raw response (for the refusal tests).</summary>
    public Task<HttpResponseMessage> PostConnectAsync(HttpClient client, string provider, object body)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PostAsync($"/v1/wearables/{provider}/connect", Http.Json(body));
    }

    /// <summary>A successful connect as the tenant's service backend (or <paramref name="client"/>).</summary>
    public async Task<ConnectFlow> ConnectAsync(string provider, string patientId, string? redirectUri = null, HttpClient? client = null)
    {
        var response = await PostConnectAsync(client ?? Tenant.Service, provider, new { patientId, redirectUri });
        var body = await response.ExpectJsonAsync(HttpStatusCode.OK);
        var state = body.GetProperty("state").GetString()!;
        Secrets.Add("state", state);
        var url = new Uri(body.GetProperty("authorizationUrl").GetString()!);
        var query = QueryHelpers.ParseQuery(url.Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        Assert.That(body.GetProperty("provider").GetString(), Is.EqualTo(provider));
        return new ConnectFlow(provider, patientId, state, url, query);
    }

    /// <summary>A code from the fake as if the user had pressed Authorize on the consent page of <paramref name="flow"/>.</summary>
    public string IssueCode(ConnectFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var code = flow.Provider switch
        {
            "strava" => Strava.IssueCode(flow.CallbackUri, flow.Query["scope"]),
            "polar" => Polar.IssueCode(flow.CallbackUri),
            _ => Catalog[flow.Provider].IssueCode(flow.CallbackUri, flow.Query.GetValueOrDefault("scope") ?? string.Empty, flow.Query.GetValueOrDefault("code_challenge")),
        };
        Secrets.Add("code", code);
        return code;
    }

    /// <summary>The callback URL the provider would send the browser to.</summary>
    public Uri CallbackUrl(string provider, string? state, string? code = null, string? error = null)
    {
        var parameters = new Dictionary<string, string?>();
        if (code is not null)
        {
            parameters["code"] = code;
        }

        if (state is not null)
        {
            parameters["state"] = state;
        }

        if (error is not null)
        {
            parameters["error"] = error;
        }

        return new Uri(QueryHelpers.AddQueryString($"{Host.BaseUrl.ToString().TrimEnd('/')}/v1/wearables/{provider}/callback", parameters));
    }

    /// <summary>connect → code from the fake → callback, without a browser. Answers the callback response.</summary>
    public async Task<(ConnectFlow Flow, HttpResponseMessage Response)> CompleteFlowAsync(string provider, string patientId, string? redirectUri = null)
    {
        var flow = await ConnectAsync(provider, patientId, redirectUri);
        var code = IssueCode(flow);
        var response = await Anonymous.GetAsync(CallbackUrl(provider, flow.State, code));
        return (flow, response);
    }

    /// <summary>The stored connection, read through the service's own repository.</summary>
    public async Task<Connection?> FindConnectionAsync(string provider, string patientId, string? projectId = null)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var repository = scope.ServiceProvider.GetRequiredService<IConnectionRepository>();
        return await repository.FindAsync(projectId ?? Tenant.ProjectId, patientId, provider, CancellationToken.None);
    }

    public async Task<IReadOnlyList<Connection>> ListConnectionsAsync(string patientId, string? projectId = null)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var repository = scope.ServiceProvider.GetRequiredService<IConnectionRepository>();
        return await repository.ListByPatientAsync(projectId ?? Tenant.ProjectId, patientId, CancellationToken.None);
    }

    /// <summary>The access token inside a stored connection's envelope, opened with the service's own key ring.</summary>
    public async Task<string> OpenAccessTokenAsync(Connection connection)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var protector = scope.ServiceProvider.GetRequiredService<ISecretProtector>();
        var purpose = new SecretPurpose(connection.ProjectId, ConnectionTokens.ScopeOf(connection.Id), ConnectionTokens.AccessTokenField);
        return connection.AccessTokenEnvelope is { } envelope && protector.TryUnprotect(envelope, purpose, out var accessToken) ? accessToken : "(does not decrypt)";
    }

    /// <summary>Requests the fake received since <paramref name="mark"/> (a count of <see cref="FakeServer.Requests"/>).</summary>
    public static IReadOnlyList<RecordedRequest> RequestsSince(FakeServer fake, int mark) =>
        fake?.Requests.Skip(mark).ToList() ?? throw new ArgumentNullException(nameof(fake));

    public async ValueTask DisposeAsync()
    {
        lock (clients)
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            clients.Clear();
        }

        await Host.DisposeAsync();
        foreach (var fake in OAuthFakes)
        {
            await fake.DisposeAsync();
        }

        await Dashboard.DisposeAsync();
        if (ownedFhir is not null)
        {
            await ownedFhir.DisposeAsync();
        }
    }
}
