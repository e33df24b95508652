using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Wearables.Application.Common.Interfaces;
using Wearables.Infrastructure.Configuration;
using Wearables.Infrastructure.Crypto;

namespace Wearables.Infrastructure.Tests.Crypto;

public sealed class MasterKeyRingTests
{
    private string dataDirectory = null!;

    [SetUp]
    public void CreateDataDirectory() =>
        dataDirectory = Path.Combine(Path.GetTempPath(), "wearables-keyring-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDataDirectory()
    {
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void Load_OutsideDevelopment_WithoutMasterKey_FailsNamingTheSetting(string? masterKey)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Load(new EncryptionOptions { MasterKey = masterKey }, isDevelopment: false));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Message, Does.Contain("Wearables:Encryption:MasterKey"));
            Assert.That(Directory.Exists(dataDirectory) && Directory.EnumerateFiles(dataDirectory).Any(), Is.False, "no key may be generated outside Development");
        }
    }

    [Test]
    public void Load_WithKeyOfWrongLength_FailsWithClearMessage_NotEchoingTheKey()
    {
        var sixteenBytes = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        var ex = Assert.Throws<InvalidOperationException>(() => Load(new EncryptionOptions { MasterKey = sixteenBytes }, isDevelopment: false));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Message, Does.Contain("Wearables:Encryption:MasterKey").And.Contain("32 bytes"));
            Assert.That(ex.Message, Does.Not.Contain(sixteenBytes));
        }
    }

    [TestCase("not base64 at all!")]
    [TestCase("QUJD=RA==")]
    public void Load_WithKeyThatIsNotBase64_FailsWithClearMessage_NotEchoingTheKey(string masterKey)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Load(new EncryptionOptions { MasterKey = masterKey }, isDevelopment: true));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Message, Does.Contain("Wearables:Encryption:MasterKey").And.Contain("base64"));
            Assert.That(ex.Message, Does.Not.Contain(masterKey));
        }
    }

    [Test]
    public void Load_WithMalformedPreviousKey_FailsNamingThatKey()
    {
        var options = new EncryptionOptions { MasterKey = TestKeys.NewMasterKey(), KeyId = "k2" };
        options.PreviousKeys["k1"] = Convert.ToBase64String(new byte[31]);

        var ex = Assert.Throws<InvalidOperationException>(() => Load(options, isDevelopment: false));

        Assert.That(ex.Message, Does.Contain("Wearables:Encryption:PreviousKeys:k1"));
    }

    [TestCase("")]
    [TestCase("has.dot")]
    [TestCase("waytoolongkeyid-0123")]
    public void Load_WithInvalidKeyId_Fails(string keyId)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Load(new EncryptionOptions { MasterKey = TestKeys.NewMasterKey(), KeyId = keyId }, isDevelopment: false));

        Assert.That(ex.Message, Does.Contain("Wearables:Encryption:KeyId"));
    }

    [Test]
    public void Load_WithValidKey_UsesTheConfiguredKeyId()
    {
        var ring = Load(new EncryptionOptions { MasterKey = TestKeys.NewMasterKey(), KeyId = "2026-a" }, isDevelopment: false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ring.ActiveKeyId, Is.EqualTo("2026-a"));
            Assert.That(ring.Get("2026-a"), Has.Length.EqualTo(32));
            Assert.That(ring.Get("k1"), Is.Null);
        }
    }

    [Test]
    public void Load_InDevelopment_WithoutKey_GeneratesMasterKeyFileInTheDataDirectory()
    {
        var ring = Load(new EncryptionOptions(), isDevelopment: true);

        var path = Path.Combine(dataDirectory, MasterKeyRing.GeneratedKeyFileName);
        Assert.That(File.Exists(path), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Convert.FromBase64String(File.ReadAllText(path).Trim()), Has.Length.EqualTo(32));
            Assert.That(ring.Get(ring.ActiveKeyId), Is.EqualTo(Convert.FromBase64String(File.ReadAllText(path).Trim())));
        }
    }

    [Test]
    [Platform(Include = "Linux")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Load_InDevelopment_GeneratedKeyFile_IsReadableByTheOwnerOnly()
    {
        Load(new EncryptionOptions(), isDevelopment: true);

        var mode = File.GetUnixFileMode(Path.Combine(dataDirectory, MasterKeyRing.GeneratedKeyFileName));

        Assert.That(mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void Load_InDevelopment_ReusesTheGeneratedKeyOnTheNextStart()
    {
        var purpose = new SecretPurpose("proj", "strava", "client_id");
        var envelope = new AesGcmSecretProtector(Load(new EncryptionOptions(), isDevelopment: true)).Protect("kept across restarts", purpose);

        var reloaded = new AesGcmSecretProtector(Load(new EncryptionOptions(), isDevelopment: true));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reloaded.TryUnprotect(envelope, purpose, out var plaintext), Is.True);
            Assert.That(plaintext, Is.EqualTo("kept across restarts"));
            Assert.That(Directory.GetFiles(dataDirectory), Has.Length.EqualTo(1));
        }
    }

    [Test]
    public void Load_InDevelopment_WithConfiguredKey_DoesNotGenerateAFile()
    {
        var key = TestKeys.NewMasterKey();

        var ring = Load(new EncryptionOptions { MasterKey = key }, isDevelopment: true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ring.Get(ring.ActiveKeyId), Is.EqualTo(Convert.FromBase64String(key)));
            Assert.That(File.Exists(Path.Combine(dataDirectory, MasterKeyRing.GeneratedKeyFileName)), Is.False);
        }
    }

    [Test]
    public void Constructor_WithActiveKeyIdMissingFromTheKeys_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new MasterKeyRing("k2", new Dictionary<string, byte[]> { ["k1"] = new byte[32] }));
    }

    private MasterKeyRing Load(EncryptionOptions options, bool isDevelopment) =>
        MasterKeyRing.Load(options, dataDirectory, isDevelopment, NullLogger.Instance);
}
