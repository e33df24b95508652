using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Credentials;
using Wearables.Domain.Credentials;

namespace Wearables.Application.Tests.Credentials;

public sealed class ProjectCredentialsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 3, 0, 0, 0, TimeSpan.Zero);

    private InMemorySecretStore store = null!;
    private Mock<ISecretProtector> protector = null!;
    private ProjectCredentials credentials = null!;

    [SetUp]
    public void Create()
    {
        // Envelopes are "<key>:<plaintext>"; "bad:" ones do not open.
        store = new InMemorySecretStore();
        protector = new Mock<ISecretProtector>();
        protector.Setup(p => p.Protect(It.IsAny<string>(), It.IsAny<SecretPurpose>())).Returns((string plain, SecretPurpose _) => "new:" + plain);
        protector.Setup(p => p.TryUnprotect(It.IsAny<string>(), It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny))
            .Returns(new TryUnprotect((string envelope, SecretPurpose _, out string plain) =>
            {
                plain = envelope.Contains(':', StringComparison.Ordinal) ? envelope[(envelope.IndexOf(':', StringComparison.Ordinal) + 1)..] : string.Empty;
                return !envelope.StartsWith("bad:", StringComparison.Ordinal);
            }));
        credentials = new ProjectCredentials(store.Object, protector.Object, new OpenedClientIds());
    }

    [Test]
    public async Task GetStatus_WhenNothingStored_IsNotConfigured()
    {
        Assert.That(await credentials.GetStatusAsync("p", "strava", CancellationToken.None), Is.EqualTo(CredentialsStatus.None));
    }

    [TestCase("new:abc", "abc")]
    [TestCase("new:abcd", "abcd")]
    [TestCase("new:client-XY34", "XY34")]
    public async Task GetStatus_ShowsAtMostTheLastFourCharactersOfTheClientId(string envelope, string last4)
    {
        store.Current = new StoredCredentials(envelope, "new:secret", null, T0);

        var status = await credentials.GetStatusAsync("p", "strava", CancellationToken.None);

        Assert.That(status, Is.EqualTo(new CredentialsStatus(true, last4, true, false)));
    }

    [Test]
    public async Task GetStatus_WhenTheClientIdDoesNotOpen_ThrowsCredentialsUnreadable()
    {
        store.Current = new StoredCredentials("bad:client", "new:secret", null, T0);

        var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(() => credentials.GetStatusAsync("p", "strava", CancellationToken.None));

        Assert.That(ex.Error, Is.EqualTo("credentials_unreadable"));
    }

    [Test]
    public async Task Get_OfCurrentValues_OpensThem_AndWritesNothing()
    {
        store.Current = new StoredCredentials("new:client-1", "new:secret-1", null, T0);

        var opened = await credentials.GetAsync("p", "strava", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Is.EqualTo(new ProviderCredentials("client-1", "secret-1", null)));
            Assert.That(store.CallsOtherThanReads, Is.Empty);
        }
    }

    [Test]
    public async Task StatusAndCredentials_InOneRequest_ReadTheStoreOnce()
    {
        store.Current = new StoredCredentials("new:client-1", "new:secret-1", null, T0);

        await credentials.GetStatusAsync("p", "strava", CancellationToken.None);
        await credentials.GetAsync("p", "strava", CancellationToken.None);

        Assert.That(store.Reads, Is.EqualTo(1));
    }

    [Test]
    public async Task ClientId_IsAllThatIsOpened_ForStartingAFlow()
    {
        store.Current = new StoredCredentials("new:client-1", "new:secret-1", "new:hook-1", T0);

        Assert.That(await credentials.GetClientIdAsync("p", "strava", CancellationToken.None), Is.EqualTo("client-1"));

        protector.Verify(p => p.TryUnprotect(It.IsAny<string>(), It.Is<SecretPurpose>(s => s.Field != CredentialsFields.ClientId), out It.Ref<string>.IsAny), Times.Never());
    }

    [Test]
    public async Task ClientId_WhenNothingStored_IsNull()
    {
        Assert.That(await credentials.GetClientIdAsync("p", "strava", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task StatusAndClientId_InOneRequest_OpenTheEnvelopeOnce()
    {
        store.Current = new StoredCredentials("new:client-1", "new:secret-1", null, T0);

        await credentials.GetStatusAsync("p", "strava", CancellationToken.None);
        await credentials.GetClientIdAsync("p", "strava", CancellationToken.None);

        protector.Verify(p => p.TryUnprotect("new:client-1", It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny), Times.Once());
    }

    [Test]
    public async Task AnEnvelopeOpenedForOneField_IsNotTakenForAnother()
    {
        // The same envelope in both columns (a row tampered with): opened as the client id, it must still be opened as the secret.
        store.Current = new StoredCredentials("new:same", "new:same", null, T0);

        await credentials.GetAsync("p", "strava", CancellationToken.None);

        protector.Verify(p => p.TryUnprotect("new:same", It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny), Times.Exactly(2));
    }

    [Test]
    public async Task AClientIdOpenedInOneRequest_IsNotDecryptedAgainInTheNext_ButSecretsAlwaysAre()
    {
        store.Current = new StoredCredentials("new:client-XY34", "new:secret", "new:hook", T0);
        var shared = new OpenedClientIds();

        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = new ProjectCredentials(store.Object, protector.Object, shared);
            Assert.That(await request.GetClientIdAsync("p", "strava", CancellationToken.None), Is.EqualTo("client-XY34"));
            Assert.That((await request.GetAsync("p", "strava", CancellationToken.None))!.ClientSecret, Is.EqualTo("secret"));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Opened(CredentialsFields.ClientId), Is.EqualTo(1), "the client id: once for the process");
            Assert.That(Opened(CredentialsFields.ClientSecret), Is.EqualTo(3), "the secret: every time, never kept");
            Assert.That(Opened(CredentialsFields.WebhookSecret), Is.EqualTo(3), "the webhook secret: every time, never kept");
        }
    }

    [Test]
    public async Task TheSameEnvelope_ForAnotherProjectOrProvider_IsOpenedByTheProtector_NotTakenFromMemory()
    {
        store.Current = new StoredCredentials("new:client-XY34", "new:secret", null, T0);
        var shared = new OpenedClientIds();

        await new ProjectCredentials(store.Object, protector.Object, shared).GetClientIdAsync("p", "strava", CancellationToken.None);
        await new ProjectCredentials(store.Object, protector.Object, shared).GetClientIdAsync("other", "strava", CancellationToken.None);
        await new ProjectCredentials(store.Object, protector.Object, shared).GetClientIdAsync("p", "polar", CancellationToken.None);

        Assert.That(Opened(CredentialsFields.ClientId), Is.EqualTo(3));
    }

    [Test]
    public async Task AClientIdThatDoesNotOpen_IsNeverKept()
    {
        store.Current = new StoredCredentials("bad:client", "new:secret", null, T0);
        var shared = new OpenedClientIds();

        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
                new ProjectCredentials(store.Object, protector.Object, shared).GetClientIdAsync("p", "strava", CancellationToken.None));
            Assert.That(ex.Error, Is.EqualTo("credentials_unreadable"));
        }

        Assert.That(shared.Count, Is.Zero);
    }

    [Test]
    public void OpenedClientIds_AreBounded()
    {
        var shared = new OpenedClientIds();

        for (var i = 0; i < shared.MaxEntries + 10; i++)
        {
            shared.Add(($"new:client-{i}", "p", "strava"), $"client-{i}");
        }

        Assert.That(shared.Count, Is.LessThanOrEqualTo(shared.MaxEntries));
    }

    private int Opened(string field) =>
        protector.Invocations.Count(i => i.Method.Name == nameof(ISecretProtector.TryUnprotect) && i.Arguments[1] is SecretPurpose purpose && purpose.Field == field);

    private delegate bool TryUnprotect(string envelope, SecretPurpose purpose, out string plaintext);

    /// <summary>One project's one provider over a loose mock of the port (members added to the port later do not break it).</summary>
    private sealed class InMemorySecretStore
    {
        private readonly Mock<IProjectSecretStore> mock = new();

        public InMemorySecretStore() =>
            mock.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(() => Current);

        public IProjectSecretStore Object => mock.Object;

        public StoredCredentials? Current { get; set; }

        public int Reads => mock.Invocations.Count(i => i.Method.Name == nameof(IProjectSecretStore.GetAsync));

        public IReadOnlyList<string> CallsOtherThanReads =>
            mock.Invocations.Where(i => i.Method.Name != nameof(IProjectSecretStore.GetAsync)).Select(i => i.Method.Name).ToList();
    }
}
