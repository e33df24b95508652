using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Wearables.Application.ApiKeys;
using Wearables.Domain.Security;

namespace Wearables.Application.Tests.ApiKeys;

public sealed partial class ApiKeyIssuerTests
{
    private const string ConfiguredKey = "wk_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";

    private Mock<IApiKeyStore> store = null!;
    private FakeTimeProvider time = null!;
    private ApiKeyIssuer issuer = null!;

    [SetUp]
    public void CreateIssuer()
    {
        store = new Mock<IApiKeyStore>();
        time = new FakeTimeProvider(new DateTimeOffset(2026, 4, 2, 8, 0, 0, TimeSpan.Zero));
        issuer = new ApiKeyIssuer(store.Object, time);
    }

    [Test]
    public async Task Issue_ReturnsKeyOfDocumentedFormat()
    {
        var issued = await issuer.IssueAsync("proj-1", Role.Service, null, "backend", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(issued.Plaintext, Does.Match(KeyFormat()));
            Assert.That(issued.Plaintext, Has.Length.EqualTo(3 + 8 + 1 + 43));
            Assert.That(issued.Key.Id, Is.EqualTo(issued.Plaintext[..11]));
        }
    }

    [Test]
    public async Task Issue_TwiceGivesDifferentKeysAndIds()
    {
        var a = await issuer.IssueAsync("proj-1", Role.Admin, null, "a", CancellationToken.None);
        var b = await issuer.IssueAsync("proj-1", Role.Admin, null, "b", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.Plaintext, Is.Not.EqualTo(b.Plaintext));
            Assert.That(a.Key.Id, Is.Not.EqualTo(b.Key.Id));
        }
    }

    [Test]
    public async Task Issue_StoresOnlyTheSha256OfTheKey_NeverThePlaintext()
    {
        ApiKey? stored = null;
        store.Setup(s => s.AddAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>()))
            .Callback((ApiKey k, CancellationToken _) => stored = k)
            .Returns(Task.CompletedTask);

        var issued = await issuer.IssueAsync("proj-1", Role.Patient, "patient-1", "tablet", CancellationToken.None);

        Assert.That(stored, Is.Not.Null);
        var secretPart = issued.Plaintext[12..];
        var storedText = string.Join("|", stored!.Id, stored.ProjectId, stored.PatientId, stored.Name, stored.Hash, stored.ToString());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored.Hash, Is.EqualTo(Sha256Hex(issued.Plaintext)));
            Assert.That(stored.Hash, Does.Match("^[0-9a-f]{64}$"));
            Assert.That(storedText, Does.Not.Contain(secretPart));
            Assert.That(stored.ProjectId, Is.EqualTo("proj-1"));
            Assert.That(stored.Role, Is.EqualTo(Role.Patient));
            Assert.That(stored.PatientId, Is.EqualTo("patient-1"));
            Assert.That(stored.CreatedAt, Is.EqualTo(time.GetUtcNow()));
            Assert.That(stored.IsActive, Is.True);
        }

        store.Verify(s => s.AddAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task IssuedKey_ToString_IsRedacted()
    {
        var issued = await issuer.IssueAsync("proj-1", Role.Admin, null, "a", CancellationToken.None);

        Assert.That(issued.ToString(), Does.Not.Contain(issued.Plaintext[12..]));
    }

    [Test]
    public async Task Authenticate_WithTheRightKey_ReturnsTheCaller()
    {
        var key = new ApiKey(ConfiguredKey[..11], "proj-7", Role.Patient, "patient-7", "tablet", Sha256Hex(ConfiguredKey), time.GetUtcNow());
        store.Setup(s => s.FindByHashAsync(Sha256Hex(ConfiguredKey), It.IsAny<CancellationToken>())).ReturnsAsync(key);

        var caller = await issuer.AuthenticateAsync(ConfiguredKey, CancellationToken.None);

        Assert.That(caller, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(caller!.ProjectId, Is.EqualTo("proj-7"));
            Assert.That(caller.Role, Is.EqualTo(Role.Patient));
            Assert.That(caller.PatientId, Is.EqualTo("patient-7"));
            Assert.That(caller.CredentialId, Is.EqualTo(ConfiguredKey[..11]));
        }
    }

    [Test]
    public async Task Authenticate_WithARevokedKey_ReturnsNull()
    {
        var key = new ApiKey(ConfiguredKey[..11], "proj-7", Role.Admin, null, "old", Sha256Hex(ConfiguredKey), time.GetUtcNow());
        key.Revoke(time.GetUtcNow());
        store.Setup(s => s.FindByHashAsync(Sha256Hex(ConfiguredKey), It.IsAny<CancellationToken>())).ReturnsAsync(key);

        Assert.That(await issuer.AuthenticateAsync(ConfiguredKey, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Authenticate_WithAWrongKeyOfTheRightFormat_AsksTheStore_AndReturnsNull()
    {
        var key = new ApiKey(ConfiguredKey[..11], "proj-7", Role.Admin, null, "real", Sha256Hex(ConfiguredKey), time.GetUtcNow());
        store.Setup(s => s.FindByHashAsync(Sha256Hex(ConfiguredKey), It.IsAny<CancellationToken>())).ReturnsAsync(key);
        var wrong = ConfiguredKey[..^1] + "H";

        var caller = await issuer.AuthenticateAsync(wrong, CancellationToken.None);

        Assert.That(caller, Is.Null);
        store.Verify(s => s.FindByHashAsync(Sha256Hex(wrong), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task Authenticate_WhenTheStoreAnswersWithAnotherKeysRecord_ReturnsNull()
    {
        // Defence in depth: the stored hash must equal the presented key's hash.
        var other = new ApiKey("wk_zzzzzzzz", "proj-7", Role.Admin, null, "other", new string('0', 64), time.GetUtcNow());
        store.Setup(s => s.FindByHashAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(other);

        Assert.That(await issuer.AuthenticateAsync(ConfiguredKey, CancellationToken.None), Is.Null);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("wk_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyzABCD EF")]
    [TestCase("Bearer wk_abcdefgh_0123456789abcdefghijklmnopqrstuvw")]
    [TestCase("key\twith-tab")]
    [TestCase("ключ-не-ascii")]
    [TestCase("line\nbreak")]
    public async Task Authenticate_WithAMalformedKey_ReturnsNull_WithoutQueryingTheStore(string? presented)
    {
        var caller = await issuer.AuthenticateAsync(presented!, CancellationToken.None);

        Assert.That(caller, Is.Null);
        store.VerifyNoOtherCalls();
    }

    [Test]
    public async Task Authenticate_WithAnOverlongKey_ReturnsNull_WithoutQueryingTheStore()
    {
        Assert.That(await issuer.AuthenticateAsync(new string('k', ApiKeyIssuer.MaxKeyLength + 1), CancellationToken.None), Is.Null);
        store.VerifyNoOtherCalls();
    }

    [TestCase("wk_abcdefgh_short")]
    [TestCase("xx_abcdefgh_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG")]
    [TestCase("operator-chosen-key")]
    public async Task Authenticate_WithAnUnknownKeyOfAnotherShape_LooksItUpByHashAndReturnsNull(string presented)
    {
        Assert.That(await issuer.AuthenticateAsync(presented, CancellationToken.None), Is.Null);
        store.Verify(s => s.FindByHashAsync(Sha256Hex(presented), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task Bootstrap_WithAnOperatorChosenKey_StoresItsHashUnderANonRevealingId()
    {
        ApiKey? stored = null;
        store.Setup(s => s.AddIfEmptyAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>()))
            .Callback<ApiKey, CancellationToken>((k, _) => stored = k)
            .ReturnsAsync(true);

        var issued = await issuer.BootstrapAsync("clinic-a", "test-admin-key", CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(issued!.Plaintext, Is.EqualTo("test-admin-key"));
            Assert.That(stored!.Hash, Is.EqualTo(Sha256Hex("test-admin-key")));
            Assert.That(stored.Id, Does.StartWith("key_").And.Not.Contain("test"));
            Assert.That(stored.Role, Is.EqualTo(Role.Admin));
        }
    }

    [Test]
    public async Task Bootstrap_WithConfiguredKey_StoresThatKeyAsAdminOfTheProject()
    {
        ApiKey? stored = null;
        store.Setup(s => s.AddIfEmptyAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>()))
            .Callback((ApiKey k, CancellationToken _) => stored = k)
            .ReturnsAsync(true);

        var issued = await issuer.BootstrapAsync("default", ConfiguredKey, CancellationToken.None);

        Assert.That(issued, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(issued!.Plaintext, Is.EqualTo(ConfiguredKey));
            Assert.That(stored, Is.SameAs(issued.Key));
            Assert.That(stored!.Id, Is.EqualTo("wk_abcdefgh"));
            Assert.That(stored.Hash, Is.EqualTo(Sha256Hex(ConfiguredKey)));
            Assert.That(stored.Role, Is.EqualTo(Role.Admin));
            Assert.That(stored.ProjectId, Is.EqualTo("default"));
            Assert.That(stored.PatientId, Is.Null);
        }
    }

    [Test]
    public async Task Bootstrap_WhenTheStoreAlreadyHasKeys_ReturnsNull()
    {
        store.Setup(s => s.AddIfEmptyAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>())).ReturnsAsync(false);

        Assert.That(await issuer.BootstrapAsync("default", null, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Bootstrap_WithoutConfiguredKey_MintsARandomAdminKey()
    {
        ApiKey? stored = null;
        store.Setup(s => s.AddIfEmptyAsync(It.IsAny<ApiKey>(), It.IsAny<CancellationToken>()))
            .Callback((ApiKey k, CancellationToken _) => stored = k)
            .ReturnsAsync(true);

        var issued = await issuer.BootstrapAsync("clinic-a", "", CancellationToken.None);

        Assert.That(issued, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(issued!.Plaintext, Does.Match(KeyFormat()));
            Assert.That(stored!.Hash, Is.EqualTo(Sha256Hex(issued.Plaintext)));
            Assert.That(stored.Role, Is.EqualTo(Role.Admin));
            Assert.That(stored.ProjectId, Is.EqualTo("clinic-a"));
        }
    }

    [TestCase("has space")]
    [TestCase("tab\there")]
    [TestCase("ключ")]
    public async Task Bootstrap_WithMalformedConfiguredKey_Throws_WithoutStoringOrEchoingIt(string configured)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => issuer.BootstrapAsync("default", configured, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Message, Does.Contain("Wearables:Bootstrap:AdminApiKey"));
            Assert.That(ex.Message, Does.Not.Contain(configured));
        }

        store.VerifyNoOtherCalls();
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    [GeneratedRegex("^wk_[a-z2-9]{8}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyFormat();
}
