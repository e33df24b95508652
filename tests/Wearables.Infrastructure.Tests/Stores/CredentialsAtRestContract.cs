using System.Buffers.Text;
using System.Text;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Credentials;
using Wearables.Domain.Credentials;
using Wearables.Infrastructure.Crypto;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;
using Wearables.Infrastructure.Tests.Crypto;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>
/// Credentials sealed with the real protector, then looked at the way an attacker with a copy of
/// the store would: raw rows and values. No plaintext, and no envelope that opens elsewhere.
/// </summary>
public abstract class CredentialsAtRestContract
{
    private const string ClientId = "client-id-PLAINTEXT-9f2c41";
    private const string ClientSecret = "client-secret-PLAINTEXT-6d0e8b";
    private const string WebhookSecret = "webhook-secret-PLAINTEXT-1a7f33";
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string RetiredMasterKey = TestKeys.NewMasterKey();

    /// <summary>Seals with k1.</summary>
    private readonly AesGcmSecretProtector protector = new(TestKeys.Ring("k1", RetiredMasterKey));

    /// <summary>After rotation: k2 active, k1 kept for decryption.</summary>
    private readonly AesGcmSecretProtector rotated = new(TestKeys.Ring("k2", TestKeys.NewMasterKey(), ("k1", RetiredMasterKey)));

    protected IProjectSecretStore Store { get; set; } = null!;

    private ProjectCredentials Credentials => new(Store, protector, new OpenedClientIds());

    /// <summary>Every raw value the backend holds for the project (and, where it can, the raw file bytes).</summary>
    protected abstract Task<IReadOnlyList<string>> ReadRawValuesAsync(string projectId, string provider);

    [Test]
    public async Task StoredValues_ContainNoPlaintextNorItsBase64()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");

        var stored = await Store.GetAsync(project, "strava", CancellationToken.None);

        var raw = await ReadRawValuesAsync(project, "strava");

        var joined = string.Join("\n", raw);
        Assert.That(joined, Does.Contain(stored!.ClientSecretEnvelope), "sanity: the raw read sees the stored row");
        using (Assert.EnterMultipleScope())
        {
            foreach (var secret in new[] { ClientId, ClientSecret, WebhookSecret })
            {
                foreach (var form in Forms(secret))
                {
                    Assert.That(joined, Does.Not.Contain(form), $"a form of {secret[..10]}…");
                }
            }
        }
    }

    [Test]
    public async Task StoredValues_AreVersionedEnvelopes()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");

        var stored = await Store.GetAsync(project, "strava", CancellationToken.None);

        Assert.That(new[] { stored!.ClientIdEnvelope, stored.ClientSecretEnvelope, stored.WebhookSecretEnvelope }, Has.All.Match(@"^wv1\.k1\.[A-Za-z0-9_-]+$"));
    }

    [Test]
    public async Task StoredCredentials_OpenForTheirOwnProject()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");

        var credentials = await Credentials.GetAsync(project, "strava", CancellationToken.None);
        var status = await Credentials.GetStatusAsync(project, "strava", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(credentials, Is.EqualTo(new ProviderCredentials(ClientId, ClientSecret, WebhookSecret)));
            Assert.That(status, Is.EqualTo(new CredentialsStatus(true, ClientId[^4..], true, true)));
        }
    }

    [Test]
    public async Task CiphertextCopiedToAnotherProject_FailsToDecrypt()
    {
        var a = Ids.Project();
        var b = Ids.Project();
        await SaveAsync(a, "strava");
        await Store.SetAsync(b, "strava", (await Store.GetAsync(a, "strava", CancellationToken.None))!, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(() => Credentials.GetStatusAsync(b, "strava", CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Error, Is.EqualTo("credentials_unreadable"));
            Assert.That(ex.Message, Does.Not.Contain(ClientId).And.Not.Contain(ClientSecret));
        }
    }

    [Test]
    public async Task CiphertextCopiedToAnotherProvider_FailsToDecrypt()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");
        await Store.SetAsync(project, "polar", (await Store.GetAsync(project, "strava", CancellationToken.None))!, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(() => Credentials.GetAsync(project, "polar", CancellationToken.None));

        Assert.That(ex.Error, Is.EqualTo("credentials_unreadable"));
    }

    [Test]
    public async Task SecretEnvelopeCopiedIntoTheClientIdField_FailsToDecrypt()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");
        var stored = (await Store.GetAsync(project, "strava", CancellationToken.None))!;
        await Store.SetAsync(project, "strava", stored with { ClientIdEnvelope = stored.ClientSecretEnvelope }, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(() => Credentials.GetStatusAsync(project, "strava", CancellationToken.None));

        Assert.That(ex.Error, Is.EqualTo("credentials_unreadable"));
    }

    [Test]
    public async Task Get_AfterMasterKeyRotation_ReSealsTheStoredValuesWithTheActiveKey()
    {
        var project = Ids.Project();
        await SaveAsync(project, "strava");

        var opened = await new ProjectCredentials(Store, rotated, new OpenedClientIds()).GetAsync(project, "strava", CancellationToken.None);

        var stored = await Store.GetAsync(project, "strava", CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Is.EqualTo(new ProviderCredentials(ClientId, ClientSecret, WebhookSecret)));
            Assert.That(new[] { stored!.ClientIdEnvelope, stored.ClientSecretEnvelope, stored.WebhookSecretEnvelope }, Has.All.StartsWith("wv1.k2."));
            Assert.That(await new ProjectCredentials(Store, rotated, new OpenedClientIds()).GetAsync(project, "strava", CancellationToken.None), Is.EqualTo(opened));
        }
    }

    [Test]
    public async Task Get_AfterRotation_WhenAnAdminReplacesTheCredentialsDuringReSealing_KeepsTheNewCredentials()
    {
        // The read path re-seals k1 envelopes with k2. An admin PUT landing between that read and
        // the re-seal write must not be overwritten by the old credentials.
        var project = Ids.Project();
        await SaveAsync(project, "strava");
        var replacement = new ProviderCredentials("client-id-REPLACED-44aa", "client-secret-REPLACED-55bb", null);
        var racing = AfterReadHook.Wrap(Store, () => Store.SetAsync(
            project, "strava", new ProjectCredentials(Store, rotated, new OpenedClientIds()).Seal(project, "strava", replacement, T0.AddMinutes(1)), CancellationToken.None));

        await new ProjectCredentials(racing, rotated, new OpenedClientIds()).GetAsync(project, "strava", CancellationToken.None);

        var now = await new ProjectCredentials(Store, rotated, new OpenedClientIds()).GetAsync(project, "strava", CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            // Test values, not secrets: comparing the strings gives a readable failure.
            Assert.That(now?.ClientId, Is.EqualTo(replacement.ClientId));
            Assert.That(now?.ClientSecret, Is.EqualTo(replacement.ClientSecret));
        }
    }

    protected static IEnumerable<string> Forms(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        yield return secret;
        yield return Convert.ToBase64String(bytes).TrimEnd('=');
        yield return Base64Url.EncodeToString(bytes);
        yield return Convert.ToHexString(bytes);
        yield return Convert.ToHexStringLower(bytes);
    }

    private Task SaveAsync(string project, string provider) =>
        Store.SetAsync(project, provider, Credentials.Seal(project, provider, new ProviderCredentials(ClientId, ClientSecret, WebhookSecret), T0), CancellationToken.None);
}

[TestFixture]
public sealed class SqliteCredentialsAtRestTests : CredentialsAtRestContract
{
    private SqliteBackend backend = null!;

    [OneTimeSetUp]
    public void CreateStore()
    {
        backend = new SqliteBackend();
        Store = new SqliteProjectSecretStore(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStore() => backend.Dispose();

    protected override async Task<IReadOnlyList<string>> ReadRawValuesAsync(string projectId, string provider)
    {
        var values = new List<string>();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = backend.FilePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM credentials WHERE project_id = $p AND provider = $v";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$v", provider);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values.Add(reader.IsDBNull(i) ? string.Empty : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!);
                }
            }
        }

        // The file itself, including the write-ahead log where fresh pages live.
        foreach (var path in new[] { backend.FilePath, backend.FilePath + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            values.Add(Encoding.Latin1.GetString(memory.ToArray()));
        }

        return values;
    }
}

[TestFixture]
public sealed class RedisCredentialsAtRestTests : CredentialsAtRestContract
{
    private RedisConnection redis = null!;
    private ConnectionMultiplexer raw = null!;

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        redis = await RedisBackend.ConnectAsync();
        raw = await RedisBackend.RawClientAsync();
        Store = new RedisProjectSecretStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStore()
    {
        redis.Dispose();
        raw.Dispose();
    }

    protected override async Task<IReadOnlyList<string>> ReadRawValuesAsync(string projectId, string provider)
    {
        var database = raw.GetDatabase();
        var server = raw.GetServer(raw.GetEndPoints()[0]);
        var values = new List<string>();

        // Every key that mentions the project, whatever its type.
        foreach (var key in server.Keys(database.Database, pattern: $"*{projectId}*"))
        {
            values.Add(key!);
            var type = await database.KeyTypeAsync(key);
            switch (type)
            {
                case RedisType.Hash:
                    foreach (var entry in await database.HashGetAllAsync(key))
                    {
                        values.Add($"{entry.Name}={entry.Value}");
                    }

                    break;
                case RedisType.String:
                    values.Add((string)(await database.StringGetAsync(key))!);
                    break;
                default:
                    values.Add($"{key}: unexpected {type}");
                    break;
            }
        }

        return values;
    }
}
