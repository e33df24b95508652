using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Application.Connections;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>
/// Issue 12, items 2 and 3 over real HTTP: per-address rate limits of the unauthenticated routes
/// (X-Forwarded-For believed from a configured proxy only), states whose MAC fails refused without a
/// store operation, and the bound on pending flows. A service of its own with small limits; each
/// test acts from addresses (and in projects) of its own.
/// </summary>
public abstract class EdgeLimitsTests(StorageMode storage)
{
    private const int PermitsPerMinute = 5;
    private const int PendingStatesPerProject = 4;
    private const string TrustedNetwork = "10.20.0.0/16";
    private const int AuthFailures = 4;
    private static int nextAddress;

    private readonly CountingStateStore.Counter stateStoreCalls = new();
    private FlowEnvironment env = null!;

    protected FlowEnvironment Env => env;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        env = await FlowEnvironment.StartAsync(storage, ConnectionsMode.Embedded, settings: new Dictionary<string, string?>
        {
            ["Wearables:Limits:Callback:PermitsPerMinute"] = PermitsPerMinute.ToString(CultureInfo.InvariantCulture),
            ["Wearables:Limits:Health:PermitsPerMinute"] = PermitsPerMinute.ToString(CultureInfo.InvariantCulture),
            ["Wearables:Limits:TrustedProxies:0"] = TrustedNetwork,
            ["Wearables:Limits:PendingStatesPerProject"] = PendingStatesPerProject.ToString(CultureInfo.InvariantCulture),
            ["Wearables:Limits:ExpiredStatesSweepSeconds"] = "30",
            ["Wearables:Limits:AuthFailures:PermitLimit"] = AuthFailures.ToString(CultureInfo.InvariantCulture),
            ["Wearables:Limits:AuthFailures:WindowSeconds"] = "60",
        }, testServices: services => CountingStateStore.Decorate(services, stateStoreCalls));

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (env is not null)
        {
            await env.DisposeAsync();
        }
    }

    [Test]
    public async Task Callback_BeyondTheLimit_Is429WithRetryAfter_WhileAnotherAddressStillPasses()
    {
        var client = NewAddress();
        for (var i = 0; i < PermitsPerMinute; i++)
        {
            await (await CallbackAsync(client)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        }

        var refused = await CallbackAsync(client);

        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.That(int.Parse(refused.Header("Retry-After")!, CultureInfo.InvariantCulture), Is.InRange(1, 60));
        await (await CallbackAsync(NewAddress())).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
    }

    [TestCase("/health/live")]
    [TestCase("/health/ready")]
    public async Task Health_BeyondTheLimit_Is429WithRetryAfter(string path)
    {
        var client = NewAddress();
        for (var i = 0; i < PermitsPerMinute; i++)
        {
            Assert.That((await SendAsync(path, client)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var refused = await SendAsync(path, client);

        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.That(refused.Header("Retry-After"), Is.Not.Null);
    }

    [Test]
    public async Task ForwardedFor_FromAnUntrustedPeer_IsIgnored()
    {
        var peer = NewAddress();
        for (var i = 0; i < PermitsPerMinute; i++)
        {
            await (await CallbackAsync(peer, forwardedFor: NewAddress())).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        }

        // Every request counted against the peer, whatever client it claimed to forward for.
        await (await CallbackAsync(peer, forwardedFor: NewAddress())).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Test]
    public async Task ForwardedFor_FromATrustedProxy_IsTheClient()
    {
        var proxy = "10.20." + (Interlocked.Increment(ref nextAddress) % 250).ToString(CultureInfo.InvariantCulture) + ".1";
        var client = NewAddress();
        for (var i = 0; i < PermitsPerMinute; i++)
        {
            await (await CallbackAsync(proxy, forwardedFor: client)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        }

        await (await CallbackAsync(proxy, forwardedFor: client)).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        // Another client behind the same proxy has its own budget, as has the proxy itself.
        await (await CallbackAsync(proxy, forwardedFor: NewAddress())).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        await (await CallbackAsync(proxy)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
    }

    [Test]
    public async Task Callback_WithAStateWhoseMacFails_Is401_WithoutAStoreOperation()
    {
        var tenant = await env.NewTenantAsync();
        var flow = await env.ConnectAsync("strava", FlowEnvironment.NewPatientId(), client: tenant.Service);

        // Of our shape (48 bytes, base64url), but its MAC was not made with our key; and ours with one bit changed.
        var forged = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));
        var ours = Base64Url.DecodeFromChars(flow.State);
        ours[^1] ^= 0x01;
        var before = stateStoreCalls.Value;
        await (await CallbackAsync(NewAddress(), state: forged)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        await (await CallbackAsync(NewAddress(), state: Base64Url.EncodeToString(ours))).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        Assert.That(stateStoreCalls.Value, Is.EqualTo(before), "no store operation for a state that cannot be ours");

        // The counter does count: the real state is taken from the store.
        await (await CallbackAsync(NewAddress(), state: flow.State, code: env.IssueCode(flow))).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(stateStoreCalls.Value, Is.EqualTo(before + 1));
    }

    [Test]
    public async Task Connect_AFourthFlowOfAPatient_DropsTheOldest_WhoseCallbackIs401()
    {
        var tenant = await env.NewTenantAsync();
        var patientId = FlowEnvironment.NewPatientId();
        var flows = new List<ConnectFlow>();
        for (var i = 0; i < 4; i++)
        {
            flows.Add(await env.ConnectAsync("strava", patientId, client: tenant.Service));
        }

        await (await CallbackAsync(NewAddress(), state: flows[0].State, code: env.IssueCode(flows[0]))).ExpectProblemAsync(HttpStatusCode.Unauthorized, "state_invalid");
        await (await CallbackAsync(NewAddress(), state: flows[1].State, code: env.IssueCode(flows[1]))).ExpectJsonAsync(HttpStatusCode.OK);
        await (await CallbackAsync(NewAddress(), state: flows[3].State, code: env.IssueCode(flows[3]))).ExpectJsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task Connect_BeyondTheProjectsCeiling_Is429WithRetryAfter_AndOtherProjectsStillConnect()
    {
        var tenant = await env.NewTenantAsync();
        for (var i = 0; i < PendingStatesPerProject; i++)
        {
            await env.ConnectAsync("strava", FlowEnvironment.NewPatientId(), client: tenant.Service);
        }

        var refused = await env.PostConnectAsync(tenant.Service, "strava", new { patientId = FlowEnvironment.NewPatientId() });

        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "pending_flows_exhausted");
        Assert.That(int.Parse(refused.Header("Retry-After")!, CultureInfo.InvariantCulture), Is.InRange(1, (int)OAuthState.TimeToLive.TotalSeconds));
        var other = await env.NewTenantAsync();
        await env.ConnectAsync("strava", FlowEnvironment.NewPatientId(), client: other.Service);
    }

    [TestCase("X-API-Key", "wk_aaaaaaaa_" + "not-a-key-not-a-key-not-a-key-not-a-key-not")]
    [TestCase("Authorization", "Bearer guess-1234")]
    [TestCase("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYWRtaW4ifQ.c2ln")]
    public async Task AuthFailures_BeyondTheLimit_Are429WithRetryAfter_ForThatAddressOnly(string header, string value)
    {
        var guesser = NewAddress();
        var honest = NewAddress();
        for (var i = 0; i < AuthFailures; i++)
        {
            await (await KeysAsync(guesser, header, value)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        var refused = await KeysAsync(guesser, header, value);
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.That(int.Parse(refused.Header("Retry-After")!, CultureInfo.InvariantCulture), Is.InRange(1, 60));

        // The blocked address cannot even try its real key; another address is not affected at all.
        await (await KeysAsync(guesser, "X-API-Key", env.Tenant.AdminKey)).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.That((await KeysAsync(honest, "X-API-Key", env.Tenant.AdminKey)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await (await KeysAsync(honest, header, value)).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        // Requests that present no credential are not throttled by it.
        Assert.That((await SendAsync("/health/live", guesser)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AuthFailures_SuccessesDoNotCount_AndClientsBehindATrustedProxyCountApart()
    {
        var client = NewAddress();
        for (var i = 0; i < AuthFailures * 3; i++)
        {
            Assert.That((await KeysAsync(client, "X-API-Key", env.Tenant.AdminKey)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var proxy = "10.20.7.9";
        var guesser = NewAddress();
        for (var i = 0; i < AuthFailures; i++)
        {
            await (await KeysAsync(proxy, "X-API-Key", "guess-" + i, forwardedFor: guesser)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        await (await KeysAsync(proxy, "X-API-Key", "guess", forwardedFor: guesser)).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.That((await KeysAsync(proxy, "X-API-Key", env.Tenant.AdminKey, forwardedFor: NewAddress())).StatusCode, Is.EqualTo(HttpStatusCode.OK), "another client behind the same proxy");
    }

    private async Task<HttpResponseMessage> KeysAsync(string peer, string header, string value, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.Host.BaseUrl, "/v1/api-keys"));
        request.Headers.Add(ServiceHost.PeerAddressHeader, peer);
        request.Headers.TryAddWithoutValidation(header, value);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await env.Anonymous.SendAsync(request);
    }

    private static string NewAddress()
    {
        var n = Interlocked.Increment(ref nextAddress);
        return $"198.{18 + (n / 62500 % 2)}.{n / 250 % 250}.{(n % 250) + 1}";
    }

    protected async Task<long> StateRowsAsync(string projectId)
    {
        await using var connection = new SqliteConnection($"Data Source={env.Host.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM oauth_states WHERE project_id = $p";
        command.Parameters.AddWithValue("$p", projectId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private Task<HttpResponseMessage> CallbackAsync(string peer, string? forwardedFor = null, string? state = null, string? code = "some-code-0123456789") =>
        SendAsync(env.CallbackUrl("strava", state ?? "made-up-" + Guid.NewGuid().ToString("N"), code).PathAndQuery, peer, forwardedFor);

    private async Task<HttpResponseMessage> SendAsync(string pathAndQuery, string peer, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.Host.BaseUrl, pathAndQuery));
        request.Headers.Add(ServiceHost.PeerAddressHeader, peer);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await env.Anonymous.SendAsync(request);
    }
}

/// <summary>The limits with the embedded store, whose expired rows a periodic sweep removes.</summary>
[TestFixture]
public sealed class EmbeddedEdgeLimitsTests() : EdgeLimitsTests(StorageMode.Embedded)
{
    [Test]
    public async Task ExpiredStates_AreRemovedFromTheEmbeddedDatabase()
    {
        var tenant = await Env.NewTenantAsync();
        for (var i = 0; i < 3; i++)
        {
            await Env.ConnectAsync("strava", FlowEnvironment.NewPatientId(), client: tenant.Service);
        }

        Assert.That(await StateRowsAsync(tenant.ProjectId), Is.EqualTo(3));

        // No save follows: the periodic sweep (on the service's clock) must remove them.
        Env.Host.Clock.Advance(OAuthState.TimeToLive + TimeSpan.FromSeconds(31));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await StateRowsAsync(tenant.ProjectId) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.That(await StateRowsAsync(tenant.ProjectId), Is.Zero);
    }
}

/// <summary>The limits with Redis storage (expired states: Redis's own time to live).</summary>
[TestFixture]
public sealed class RedisEdgeLimitsTests() : EdgeLimitsTests(StorageMode.Redis);
