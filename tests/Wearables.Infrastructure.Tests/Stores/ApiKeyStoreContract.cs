using System.Security.Cryptography;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;
using Wearables.Infrastructure.Redis;
using Wearables.Infrastructure.Sqlite;

namespace Wearables.Infrastructure.Tests.Stores;

/// <summary>What every <see cref="IApiKeyStore"/> adapter must do.</summary>
public abstract class ApiKeyStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

    protected IApiKeyStore Store { get; set; } = null!;

    /// <summary>A store of the same kind holding no key at all (for the bootstrap rule).</summary>
    protected abstract Task<IApiKeyStore> CreateEmptyStoreAsync();

    [Test]
    public async Task Add_ThenFindByHash_ReturnsEveryField()
    {
        var key = NewKey(Ids.Project(), Role.Patient, "patient-1", T0);

        await Store.AddAsync(key, CancellationToken.None);

        var found = await Store.FindByHashAsync(key.Hash, CancellationToken.None);
        Assert.That(found, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(found!.Id, Is.EqualTo(key.Id));
            Assert.That(found.ProjectId, Is.EqualTo(key.ProjectId));
            Assert.That(found.Role, Is.EqualTo(Role.Patient));
            Assert.That(found.PatientId, Is.EqualTo("patient-1"));
            Assert.That(found.Name, Is.EqualTo(key.Name));
            Assert.That(found.Hash, Is.EqualTo(key.Hash));
            Assert.That(found.CreatedAt, Is.EqualTo(T0));
            Assert.That(found.IsActive, Is.True);
        }
    }

    [Test]
    public async Task FindByHash_OfUnknownHash_ReturnsNull()
    {
        Assert.That(await Store.FindByHashAsync(RandomHash(), CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task List_ReturnsOnlyTheProjectsKeys_OldestFirst()
    {
        var project = Ids.Project();
        var other = Ids.Project();
        var newer = NewKey(project, Role.Service, null, T0.AddMinutes(5));
        var older = NewKey(project, Role.Admin, null, T0);
        await Store.AddAsync(newer, CancellationToken.None);
        await Store.AddAsync(older, CancellationToken.None);
        await Store.AddAsync(NewKey(other, Role.Admin, null, T0), CancellationToken.None);

        var listed = await Store.ListAsync(project, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listed.Select(k => k.Id), Is.EqualTo(new[] { older.Id, newer.Id }));
            Assert.That(await Store.ListAsync(Ids.Project(), CancellationToken.None), Is.Empty);
        }
    }

    [Test]
    public async Task Revoke_OwnActiveKey_SucceedsOnce_AndTheKeyStaysListedAsRevoked()
    {
        var project = Ids.Project();
        var key = NewKey(project, Role.Service, null, T0);
        await Store.AddAsync(key, CancellationToken.None);

        var first = await Store.RevokeAsync(project, key.Id, T0.AddDays(1), CancellationToken.None);
        var second = await Store.RevokeAsync(project, key.Id, T0.AddDays(2), CancellationToken.None);

        var found = await Store.FindByHashAsync(key.Hash, CancellationToken.None);
        var listed = await Store.ListAsync(project, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(second, Is.False);
            Assert.That(found?.IsActive, Is.False);
            Assert.That(found?.RevokedAt, Is.EqualTo(T0.AddDays(1)));
            Assert.That(listed.Single().RevokedAt, Is.EqualTo(T0.AddDays(1)));
        }
    }

    [Test]
    public async Task Revoke_ByConcurrentCallers_SucceedsForExactlyOne()
    {
        var project = Ids.Project();
        var key = NewKey(project, Role.Service, null, T0);
        await Store.AddAsync(key, CancellationToken.None);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var revokers = Enumerable.Range(1, 20)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await Store.RevokeAsync(project, key.Id, T0.AddMinutes(i), CancellationToken.None);
            }))
            .ToArray();
        start.SetResult();
        var results = await Task.WhenAll(revokers);

        Assert.That(results.Count(revoked => revoked), Is.EqualTo(1), "\"only once\": one caller revokes, the others see an already revoked key");
    }

    [Test]
    public async Task Revoke_AnotherProjectsKey_FailsAndLeavesItActive()
    {
        var owner = Ids.Project();
        var key = NewKey(owner, Role.Admin, null, T0);
        await Store.AddAsync(key, CancellationToken.None);

        var revoked = await Store.RevokeAsync(Ids.Project(), key.Id, T0.AddDays(1), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(revoked, Is.False);
            Assert.That((await Store.FindByHashAsync(key.Hash, CancellationToken.None))?.IsActive, Is.True);
        }
    }

    [Test]
    public async Task Revoke_UnknownKey_Fails()
    {
        Assert.That(await Store.RevokeAsync(Ids.Project(), "wk_nosuchk1", T0, CancellationToken.None), Is.False);
    }

    [Test]
    public async Task AddIfEmpty_AddsOnlyTheFirstKey()
    {
        var empty = await CreateEmptyStoreAsync();
        var first = NewKey(Ids.Project(), Role.Admin, null, T0);
        var second = NewKey(Ids.Project(), Role.Admin, null, T0);

        var addedFirst = await empty.AddIfEmptyAsync(first, CancellationToken.None);
        var addedSecond = await empty.AddIfEmptyAsync(second, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(addedFirst, Is.True);
            Assert.That(addedSecond, Is.False);
            Assert.That(await empty.FindByHashAsync(first.Hash, CancellationToken.None), Is.Not.Null);
            Assert.That(await empty.FindByHashAsync(second.Hash, CancellationToken.None), Is.Null);
            Assert.That(await empty.ListAsync(second.ProjectId, CancellationToken.None), Is.Empty);
        }
    }

    [Test]
    public async Task AddIfEmpty_WhenAKeyWasAddedNormally_DoesNotAdd()
    {
        var empty = await CreateEmptyStoreAsync();
        await empty.AddAsync(NewKey(Ids.Project(), Role.Service, null, T0), CancellationToken.None);
        var bootstrap = NewKey(Ids.Project(), Role.Admin, null, T0);

        Assert.That(await empty.AddIfEmptyAsync(bootstrap, CancellationToken.None), Is.False);
    }

    [Test]
    public async Task AddIfEmpty_ConcurrentBootstraps_AddExactlyOne()
    {
        var empty = await CreateEmptyStoreAsync();
        var keys = Enumerable.Range(0, 10).Select(_ => NewKey(Ids.Project(), Role.Admin, null, T0)).ToList();

        var results = await Task.WhenAll(keys.Select(k => Task.Run(() => empty.AddIfEmptyAsync(k, CancellationToken.None))));

        Assert.That(results.Count(added => added), Is.EqualTo(1));
    }

    [Test]
    public async Task ReplaceDerivedIds_KeysWithAHashDerivedId_GetARandomId_AndKeepWorking()
    {
        var project = Ids.Project();
        var hash = RandomHash();
        var derived = new ApiKey("key_" + hash[..8], project, Role.Admin, null, "bootstrap admin", hash, T0);
        var minted = NewKey(project, Role.Service, null, T0.AddMinutes(1));
        var chosenButRandom = new ApiKey("key_" + RandomNumberGenerator.GetHexString(8, lowercase: true), project, Role.Admin, null, "other", RandomHash(), T0.AddMinutes(2));
        foreach (var key in new[] { derived, minted, chosenButRandom })
        {
            await Store.AddAsync(key, CancellationToken.None);
        }

        var issuer = new ApiKeyIssuer(Store, TimeProvider.System);
        var replaced = await issuer.ReplaceDerivedIdsAsync(CancellationToken.None);
        var again = await issuer.ReplaceDerivedIdsAsync(CancellationToken.None);

        var found = await Store.FindByHashAsync(hash, CancellationToken.None);
        var listed = await Store.ListAsync(project, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replaced, Is.GreaterThanOrEqualTo(1), "at least this test's key (the store may hold others')");
            Assert.That(again, Is.Zero, "nothing left to replace");
            Assert.That(found, Is.Not.Null, "the key still authenticates by its hash");
            Assert.That(found!.Id, Does.StartWith("key_").And.Not.EqualTo(derived.Id));
            Assert.That(found.Id, Does.Not.Contain(hash[..4]), "nothing of the hash in the id");
            Assert.That(listed.Select(k => k.Id), Is.EqualTo(new[] { found.Id, minted.Id, chosenButRandom.Id }), "listed once, under its new id; the others untouched");
            Assert.That(await Store.RevokeAsync(project, derived.Id, T0, CancellationToken.None), Is.False, "the old id names nothing");
            Assert.That(await Store.RevokeAsync(project, found.Id, T0, CancellationToken.None), Is.True, "the new id names the key");
        }
    }

    [Test]
    public async Task Bootstrap_OperatorChosenKey_GetsAnIdUnrelatedToItsHash()
    {
        var empty = await CreateEmptyStoreAsync();
        var chosen = "operator-" + RandomNumberGenerator.GetHexString(40, lowercase: true);

        var issued = await new ApiKeyIssuer(empty, TimeProvider.System).BootstrapAsync(Ids.Project(), chosen, CancellationToken.None);

        Assert.That(issued, Is.Not.Null);
        var hash = ApiKeyIssuer.Hash(chosen);
        Assert.That(issued!.Key.Id, Does.StartWith("key_").And.Not.Contains(hash[..8]).And.Not.Contains(chosen[..12]));
        Assert.That((await empty.FindByHashAsync(hash, CancellationToken.None))?.Id, Is.EqualTo(issued.Key.Id));
    }

    private static ApiKey NewKey(string project, Role role, string? patientId, DateTimeOffset createdAt) =>
        new("wk_" + RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 8), project, role, patientId, "key " + role, RandomHash(), createdAt);

    private static string RandomHash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}

[TestFixture]
public sealed class SqliteApiKeyStoreTests : ApiKeyStoreContract
{
    private readonly List<SqliteBackend> backends = [];

    [OneTimeSetUp]
    public void CreateStore()
    {
        var backend = new SqliteBackend();
        backends.Add(backend);
        Store = new SqliteApiKeyStore(backend.Database);
    }

    [OneTimeTearDown]
    public void DeleteStores() => backends.ForEach(b => b.Dispose());

    protected override Task<IApiKeyStore> CreateEmptyStoreAsync()
    {
        var backend = new SqliteBackend();
        backends.Add(backend);
        return Task.FromResult<IApiKeyStore>(new SqliteApiKeyStore(backend.Database));
    }
}

[TestFixture]
public sealed class RedisApiKeyStoreTests : ApiKeyStoreContract
{
    private readonly List<RedisConnection> connections = [];

    [OneTimeSetUp]
    public async Task CreateStore()
    {
        var redis = await RedisBackend.ConnectAsync();
        connections.Add(redis);
        Store = new RedisApiKeyStore(redis);
    }

    [OneTimeTearDown]
    public void CloseStores() => connections.ForEach(c => c.Dispose());

    protected override async Task<IApiKeyStore> CreateEmptyStoreAsync()
    {
        var redis = await RedisBackend.ConnectToEmptyDatabaseAsync();
        connections.Add(redis);
        return new RedisApiKeyStore(redis);
    }
}
