using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wearables.Api.Controllers;
using Wearables.Api.Tests.Infrastructure;
using Wearables.Application.Connections.Queries.ListConnections;

namespace Wearables.Api.Tests.Conventions;

/// <summary>The hot bodies use compile-time JSON metadata, and it writes exactly what reflection wrote.</summary>
[TestFixture(StorageMode.Embedded)]
public sealed class JsonMetadataTests(StorageMode mode) : ApiFixture(mode)
{
    private static readonly List<ConnectionDto> Connections =
    [
        new() { Id = Guid.Parse("5f0c4b1e-8a3d-4c55-9d7e-0a1b2c3d4e5f"), UserId = "pat-1", Provider = "strava", ProviderUserId = "12345", ProviderUsername = "Zoë \"runs\" <fast>", Scope = "read,activity:read_all", Status = "active", LastSyncedAt = null, CreatedAt = "2026-11-22T10:00:00.000Z", UpdatedAt = "2026-11-22T10:00:01.123Z" },
        new() { Id = Guid.Empty, UserId = "pat-1", Provider = "oura", Status = "revoked", LastSyncedAt = "2026-11-22T11:00:00.000Z", CreatedAt = "2026-11-21T10:00:00.000Z", UpdatedAt = "2026-11-22T10:00:00.000Z" },
    ];

    private JsonSerializerOptions Mvc => Factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.JsonSerializerOptions;

    [TestCase(typeof(List<ConnectionDto>))]
    [TestCase(typeof(IReadOnlyList<ConnectionDto>))]
    [TestCase(typeof(ConnectResponse))]
    [TestCase(typeof(CallbackResponse))]
    [TestCase(typeof(ConnectRequest))]
    public void MvcOptions_ResolveTheHotTypes_FromTheGeneratedContext(Type type) =>
        Assert.That(Mvc.GetTypeInfo(type).OriginatingResolver, Is.SameAs(ApiJsonContext.Default));

    [Test]
    public void GeneratedWriters_WriteWhatReflectionWrote()
    {
        var reflection = new JsonSerializerOptions(Mvc) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var connect = new ConnectResponse { Provider = "strava", AuthorizationUrl = "https://www.strava.com/oauth/authorize?client_id=1&state=a%2Bb", State = "a+b/c" };
        var callback = new CallbackResponse { Ok = true, Provider = "polar", PatientId = "pat-1" };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(JsonSerializer.Serialize<IReadOnlyList<ConnectionDto>>(Connections, Mvc), Is.EqualTo(JsonSerializer.Serialize<IReadOnlyList<ConnectionDto>>(Connections, reflection)));
            Assert.That(JsonSerializer.Serialize(Connections, Mvc), Is.EqualTo(JsonSerializer.Serialize(Connections, reflection)));
            Assert.That(JsonSerializer.Serialize(connect, Mvc), Is.EqualTo(JsonSerializer.Serialize(connect, reflection)));
            Assert.That(JsonSerializer.Serialize(callback, Mvc), Is.EqualTo(JsonSerializer.Serialize(callback, reflection)));
        }
    }

    [Test]
    public void TheConnectBody_ReadsAsWithReflection_CaseInsensitive()
    {
        var read = JsonSerializer.Deserialize<ConnectRequest>("""{"PATIENTID":"pat-1","redirectUri":"https://app.example/done"}""", Mvc)!;

        Assert.That((read.PatientId, read.RedirectUri), Is.EqualTo(("pat-1", "https://app.example/done")));
    }
}
