using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Cli;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.Disconnect;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Encryption;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;
using Wearables.Fakes;
using Wearables.Resilience.Tests.Infrastructure;
using Wearables.TestSupport;

namespace Wearables.Resilience.Tests.Drills;

/// <summary>
/// Master key rotation with <c>rotate-keys</c>, in each storage combination: credentials, connection
/// tokens, a pending revocation and a parked grant sealed under key id <c>old</c>; a second instance
/// configured with key <c>new</c> (and <c>old</c> as a previous key) is stopped mid-rotation, reports
/// the rest on readiness, and the verb's rerun leaves nothing under <c>old</c> in raw storage. Then an
/// instance without the old key starts and reads everything, and one with a wrong key refuses to start.
/// </summary>
[TestFixture]
[Category("Drill")]
[NonParallelizable]
public sealed class KeyRotationDrill
{
    private const string OldEnvelope = "wv1.old.";
    private const string NewEnvelope = "wv1.new.";

    [TestCase(StorageMode.Embedded, ConnectionsMode.Embedded)]
    [TestCase(StorageMode.Redis, ConnectionsMode.Embedded)]
    [TestCase(StorageMode.Redis, ConnectionsMode.Fhir)]
    public async Task RotateKeys_ResealsEverything_Resumable_OldKeyRemovable_WrongKeyRefused(StorageMode storage, ConnectionsMode connections)
    {
        var progress = TestContext.Progress;
        await using var fakes = await ThirdParties.StartAsync();
        await using var redis = storage == StorageMode.Redis ? await RedisServer.StartNewAsync() : null;
        await using var fhir = connections == ConnectionsMode.Fhir ? await FhirServer.StartNewAsync() : null;
        var oldKey = WearablesServiceFactory.NewMasterKey();
        var newKey = WearablesServiceFactory.NewMasterKey();
        var common = fakes.Options() with
        {
            Storage = storage,
            RedisConnectionString = redis?.ConnectionString,
            Connections = connections,
            FhirBaseUrl = fhir?.BaseUrl,
            MasterKey = oldKey,
            Settings = Keys("old"),
        };

        // 1. Data under the old key: credentials, three connections, a pending revocation, a parked grant.
        await using var before = ServiceInstance.Start(common);
        var project = common.BootstrapProject;
        using (var admin = before.Client(common.BootstrapAdminKey))
        {
            await Http.ConfigureStravaAsync(admin, fakes.Strava);
            foreach (var patient in new[] { "pat-rot-1", "pat-rot-2", "pat-rot-3" })
            {
                await Http.ConnectStravaAsync(admin, fakes.Strava, patient);
            }

            fakes.Strava.RevokeFaults.Mode = FakeMode.ServerError;
            Assert.That((await admin.SendAsync(HttpMethod.Delete, "/api/v1/users/pat-rot-3/connections/strava")).Status, Is.EqualTo(200));
            fakes.Strava.RevokeFaults.Mode = FakeMode.Normal;
        }

        var revoked = Connection.IdFor(project, "pat-rot-3", "strava");
        var parkedId = await ParkAsync(before, project, "pat-rot-parked");
        var atStart = await RawAsync(before, fhir, project);
        Assert.That(atStart, Does.Contain(OldEnvelope).And.Not.Contain(NewEnvelope), "the drill starts with everything under the old key");

        // 2. The new key, the old one kept as a previous key. A rotation stopped after its first record leaves both kinds.
        var rotating = common with { MasterKey = newKey, DataDirectory = before.DataDirectory, Settings = Keys("new", ("old", oldKey)) };
        await using var during = ServiceInstance.Start(rotating);
        using (var stop = new CancellationTokenSource())
        {
            await using var scope = during.Services.CreateAsyncScope();
            var killed = scope.ServiceProvider.GetRequiredService<KeyRotation>()
                .RotateAsync(new StopAfterFirst(stop), reportEvery: 1, maxWalks: 5, stop.Token);
            Assert.That(async () => await killed, Throws.InstanceOf<OperationCanceledException>(), "the rotation was stopped mid-way");
        }

        var midway = await RawAsync(during, fhir, project);
        var census = await WaitForCensusAsync(during);
        using var anonymous = during.Client();
        using var ready = await anonymous.GetAsync("/health/ready");
        var readyBody = await ready.Content.ReadAsStringAsync();
        progress.WriteLine($"[key rotation {storage}/{connections}] stopped after the first record; census {census}; /health/ready → {(int)ready.StatusCode} {readyBody}");

        // 3. The verb, run again to the end.
        var (exit, output) = await RunVerbAsync(during.Services);
        progress.WriteLine(output);
        var after = await RawAsync(during, fhir, project);

        Assert.Multiple(() =>
        {
            Assert.That(midway, Does.Contain(OldEnvelope).And.Contain(NewEnvelope), "a stopped rotation leaves some records re-sealed and some not");
            Assert.That(census, Is.GreaterThan(0), "the census counts the records left on the old key");
            Assert.That((int)ready.StatusCode, Is.EqualTo(200), "readiness stays up while old-key records remain");
            Assert.That(readyBody, Is.EqualTo("Degraded"), "but reports it");
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Does.Contain("connections:").And.Contain("pending revocations:").And.Contain("parked grants:").And.Contain("done"));
            Assert.That(after, Does.Not.Contain(OldEnvelope), "raw storage holds no envelope of the old key");
            Assert.That(after, Does.Contain(NewEnvelope));
        });

        // 4. The old key removed: the service starts and every record opens.
        var rotated = common with { MasterKey = newKey, DataDirectory = before.DataDirectory, Settings = Keys("new") };
        await using (var withoutOld = ServiceInstance.Start(rotated))
        {
            await using var scope = withoutOld.Services.CreateAsyncScope();
            var services = scope.ServiceProvider;
            using var admin = withoutOld.Client(common.BootstrapAdminKey);
            var credentials = await admin.SendAsync(HttpMethod.Get, "/v1/wearables/strava/credentials");
            var token = await admin.SendAsync(HttpMethod.Post, "/api/v1/users/pat-rot-1/connections/strava/token", new { });
            var connection = await services.GetRequiredService<IConnectionRepository>().FindAsync(project, "pat-rot-2", "strava", CancellationToken.None);
            var pending = await services.GetRequiredService<IPendingRevocationStore>().FindAsync(revoked, CancellationToken.None);
            var parked = await services.GetRequiredService<IParkedGrantStore>().FindAsync(parkedId, CancellationToken.None);
            var protector = services.GetRequiredService<ISecretProtector>();
            Assert.Multiple(() =>
            {
                Assert.That(credentials.Status, Is.EqualTo(200), credentials.ToString());
                Assert.That(token.Status, Is.EqualTo(200), token.ToString());
                Assert.That(services.GetRequiredService<ConnectionTokens>().OpenAccessToken(connection!), Is.AnyOf(fakes.Strava.IssuedAccessTokens.ToArray()));
                Assert.That(services.GetRequiredService<RevocationTokens>().OpenPending(pending!), Is.Not.Null, "the pending revocation opens");
                Assert.That(protector.TryUnprotect(parked!.Grant.AccessTokenEnvelope, new SecretPurpose(project, ConnectionTokens.ScopeOf(parkedId), ConnectionTokens.AccessTokenField), out var access), Is.True);
                Assert.That(access, Is.EqualTo("parked-access-token"), "the parked grant opens");
            });
        }

        // 5. A wrong key under the same id is refused at start, with a message that says so.
        var wrong = common with { MasterKey = WearablesServiceFactory.NewMasterKey(), DataDirectory = before.DataDirectory, Settings = Keys("new") };
        var refused = Assert.Catch(() => ServiceInstance.Start(wrong).Dispose());
        Assert.That(Messages(refused), Does.Contain("key check failed").And.Contain("key id 'new'"));
    }

    private static Dictionary<string, string?> Keys(string keyId, params (string Id, string Key)[] previous)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Wearables:Encryption:KeyId"] = keyId,
            ["Wearables:Encryption:KeyCheck"] = "true",
            ["Wearables:Tokens:SweepIntervalSeconds"] = "0",
        };
        foreach (var (id, key) in previous)
        {
            settings[$"Wearables:Encryption:PreviousKeys:{id}"] = key;
        }

        return settings;
    }

    /// <summary>A parked grant of a patient that has no connection yet, due in an hour (no drain takes it during the drill).</summary>
    private static async Task<Guid> ParkAsync(ServiceInstance service, string project, string patient)
    {
        await using var scope = service.Services.CreateAsyncScope();
        var id = Connection.IdFor(project, patient, "strava");
        var grant = scope.ServiceProvider.GetRequiredService<ConnectionTokens>().Seal(
            project, id, new ProviderTokens("parked-access-token", "parked-refresh-token", DateTimeOffset.UtcNow.AddHours(6), "read", "4711", null));
        var now = DateTimeOffset.UtcNow;
        await scope.ServiceProvider.GetRequiredService<IParkedGrantStore>().SaveAsync(
            new ParkedGrant(id, project, patient, "strava", "https://www.strava.com/api/v3", grant, now, now.AddHours(1), now.AddHours(24), 0), CancellationToken.None);
        return id;
    }

    /// <summary>The raw stores: SQLite rows, every Redis key (Redis storage), and the project's Endpoints as the FHIR server returns them.</summary>
    private static async Task<string> RawAsync(ServiceInstance service, FhirServer? fhir, string project)
    {
        var raw = await StoreFingerprint.ReadAsync(service);
        if (fhir is not null)
        {
            using var http = new HttpClient();
            raw += "\n--- fhir ---\n" + await http.GetStringAsync(new Uri(fhir.BaseUrl + "/Endpoint?_count=500"));
        }

        return raw;
    }

    private static async Task<long> WaitForCensusAsync(ServiceInstance service)
    {
        var census = service.Services.GetRequiredService<OlderKeyCensus>();
        for (var i = 0; i < 100 && census.Count is null; i++)
        {
            await Task.Delay(100);
        }

        return census.Count ?? -1;
    }

    private static async Task<(int Exit, string Output)> RunVerbAsync(IServiceProvider services)
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            var exit = await RotateKeysVerb.RunAsync(services, [RotateKeysVerb.Name]);
            return (exit, captured.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    private static string Messages(Exception? exception)
    {
        var text = new System.Text.StringBuilder();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            text.Append(e.Message).Append(" | ");
        }

        return text.ToString();
    }

    /// <summary>Stops the rotation as a kill would: right after its first record.</summary>
    private sealed class StopAfterFirst(CancellationTokenSource stop) : IProgress<RotationTally>
    {
        public void Report(RotationTally value)
        {
            if (value.Resealed > 0)
            {
                stop.Cancel();
            }
        }
    }
}
