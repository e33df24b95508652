using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Wearables.Domain.Connections;
using Wearables.Domain.Security;
using Wearables.Fakes;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Support;

/// <summary>
/// One service per fixture and store combination, with a fake Junction, and keys of two projects
/// (A: admin, service; B: admin) issued through the service's DI. Tests work on fresh patient ids,
/// so they neither see each other's data nor depend on their order.
/// </summary>
public abstract class ServiceFixture(StorageMode storage, ConnectionsMode connections)
{
    public const string ExchangePath = "/v1/wearables/link/exchange";

    protected StorageMode Storage { get; } = storage;

    protected ConnectionsMode Connections { get; } = connections;

    protected ConnectionsServiceFactory Factory { get; private set; } = null!;

    protected FakeJunction Junction { get; private set; } = null!;

    protected string JunctionApiKey { get; } = "junction-key-" + RandomNumberGenerator.GetHexString(24, lowercase: true);

    protected string ProjectA { get; } = ConnectionsServiceFactory.NewProjectId();

    protected string ProjectB { get; } = ConnectionsServiceFactory.NewProjectId();

    protected IssuedKey AdminA { get; private set; } = null!;

    protected IssuedKey ServiceA { get; private set; } = null!;

    protected IssuedKey AdminB { get; private set; } = null!;

    protected HttpClient AdminClientA { get; private set; } = null!;

    protected HttpClient ServiceClientA { get; private set; } = null!;

    protected HttpClient AdminClientB { get; private set; } = null!;

    private string? redisConnectionString;
    private Uri? fhirBase;

    [OneTimeSetUp]
    public async Task StartServiceAsync()
    {
        Junction = new FakeJunction(JunctionApiKey) { SlowDelay = TimeSpan.FromSeconds(5) };
        await Junction.StartAsync();
        redisConnectionString = Storage == StorageMode.Redis ? (await SharedServers.RedisAsync()).ConnectionString : null;
        fhirBase = Connections == ConnectionsMode.Fhir ? (await FhirServer.SharedAsync()).BaseUrl : null;
        Factory = NewFactory(JunctionApiKey);
        AdminA = await Factory.IssueKeyAsync(ProjectA, Role.Admin);
        ServiceA = await Factory.IssueKeyAsync(ProjectA, Role.Service);
        AdminB = await Factory.IssueKeyAsync(ProjectB, Role.Admin);
        AdminClientA = Factory.WithApiKey(AdminA.Key);
        ServiceClientA = Factory.WithApiKey(ServiceA.Key);
        AdminClientB = Factory.WithApiKey(AdminB.Key);
    }

    [SetUp]
    public async Task ResetJunctionAsync()
    {
        Junction.Mode = FakeMode.Normal;
        Junction.InvalidTokens = false;
        await Junction.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopServiceAsync()
    {
        AdminClientA?.Dispose();
        ServiceClientA?.Dispose();
        AdminClientB?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (Junction is not null)
        {
            await Junction.DisposeAsync();
        }
    }

    /// <summary>A further service on the same stores and fake Junction, e.g. with another Junction API key.</summary>
    protected ConnectionsServiceFactory NewFactory(string junctionApiKey, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(Storage, Connections, redisConnectionString, fhirBase, Junction.BaseUrl, junctionApiKey, settings);

    /// <summary>A Junction user whose client_user_id is <paramref name="patientId"/>, and a fresh link token for it.</summary>
    protected (string JunctionUserId, string LinkToken) NewJunctionUser(string patientId)
    {
        var junctionUserId = Guid.NewGuid().ToString();
        Junction.AddUser(junctionUserId, patientId);
        return (junctionUserId, Junction.AddLinkToken(junctionUserId));
    }

    protected static Task<HttpResponseMessage> ExchangeAsync(HttpClient client, string linkToken, string? provider)
    {
        ArgumentNullException.ThrowIfNull(client);
        var body = provider is null ? JsonSerializer.Serialize(new { link_token = linkToken }) : JsonSerializer.Serialize(new { link_token = linkToken, provider });
        return client.PostAsync(ExchangePath, Json.Raw(body));
    }

    /// <summary>Links <paramref name="patientId"/> through Junction (HTTP, as a backend would) and answers the 201 body.</summary>
    protected async Task<JsonElement> LinkAsync(string patientId, string provider, HttpClient? client = null)
    {
        var (_, token) = NewJunctionUser(patientId);
        return await (await ExchangeAsync(client ?? ServiceClientA, token, provider)).ExpectJsonAsync(HttpStatusCode.Created);
    }

    protected static Task<HttpResponseMessage> ListAsync(HttpClient client, string userId)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.GetAsync($"/api/v1/users/{Uri.EscapeDataString(userId)}/connections");
    }

    /// <summary>Stores an OAuth connection straight through the service's repository (not HTTP).</summary>
    protected async Task<Connection> SeedOAuthAsync(string projectId, string patientId, string provider, OAuthGrant? grant = null, Func<Connection, Connection>? change = null)
    {
        var now = DateTimeOffset.UtcNow;
        var connection = Connection.Create(projectId, patientId, provider, ConnectionSource.OAuth, now);
        connection.Authorize(grant ?? DummyGrant(), "https://api." + provider + ".example/v3", now);
        connection = change?.Invoke(connection) ?? connection;
        await Factory.WithRepositoryAsync(async repository =>
        {
            await repository.SaveAsync(connection, CancellationToken.None);
            return true;
        });
        return connection;
    }

    protected Task<Connection?> FindAsync(string projectId, string patientId, string provider) =>
        Factory.WithRepositoryAsync(r => r.FindAsync(projectId, patientId, provider, CancellationToken.None));

    /// <summary>Token envelopes shaped like the real ones (<c>wv1.&lt;key id&gt;.…</c>) with a unique marker.</summary>
    public static OAuthGrant DummyGrant(string? username = "runner_x", string? scope = "read,activity:read_all") => new(
        DummyEnvelope(),
        DummyEnvelope(),
        DateTimeOffset.UtcNow.AddHours(6),
        scope,
        "pu-" + RandomNumberGenerator.GetHexString(10, lowercase: true),
        username);

    public static string DummyEnvelope() => "wv1.k1.DUMMY" + RandomNumberGenerator.GetHexString(40, lowercase: true);
}
