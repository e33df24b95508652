using System.Net;
using System.Text;
using Wearables.EndToEnd.Tests.Infrastructure;

namespace Wearables.EndToEnd.Tests.Flows;

/// <summary>Embedded mode: the SQLite files the service writes hold no plaintext token or client secret.</summary>
[TestFixture(StorageMode.Embedded, ConnectionsMode.Embedded)]
[TestFixture(StorageMode.Redis, ConnectionsMode.Embedded)]
public sealed class EmbeddedDatabaseTests(StorageMode storage, ConnectionsMode connections) : FlowFixture(storage, connections)
{
    [Test]
    public async Task DatabaseFiles_HoldNoPlaintextTokenOrSecret()
    {
        var patientId = NewPatientId();
        await (await Env.CompleteFlowAsync("strava", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        await (await Env.CompleteFlowAsync("polar", patientId)).Response.ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(await Env.ListConnectionsAsync(patientId), Has.Count.EqualTo(2));

        var files = Directory.GetFiles(Env.Host.DataDirectory, "*", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty);
        var secrets = Env.AllSecrets().Keys.ToList();
        foreach (var file in files)
        {
            var text = Encoding.Latin1.GetString(await ReadSharedAsync(file));
            var found = secrets.Where(s => text.Contains(s, StringComparison.Ordinal)).ToList();
            Assert.That(found, Is.Empty, $"{Path.GetFileName(file)} holds {found.Count} plaintext secret(s)");
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
