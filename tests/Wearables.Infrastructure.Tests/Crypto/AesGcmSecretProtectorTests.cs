using System.Buffers.Text;
using System.Text;
using Wearables.Application.Common.Interfaces;
using Wearables.Infrastructure.Crypto;

namespace Wearables.Infrastructure.Tests.Crypto;

public sealed class AesGcmSecretProtectorTests
{
    private static readonly SecretPurpose Purpose = new("proj-a", "strava", "client_secret");

    private AesGcmSecretProtector protector = null!;

    [SetUp]
    public void CreateProtector() => protector = TestKeys.Protector();

    [TestCase("s3cr3t")]
    [TestCase("")]
    [TestCase("ünïcødé 🔐 secret with spaces")]
    public void ProtectThenUnprotect_RoundTrips(string plaintext)
    {
        var envelope = protector.Protect(plaintext, Purpose);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect(envelope, Purpose, out var opened), Is.True);
            Assert.That(opened, Is.EqualTo(plaintext));
        }
    }

    [Test]
    public void LongValue_RoundTrips()
    {
        var plaintext = new string('x', 64 * 1024);

        Assert.That(protector.TryUnprotect(protector.Protect(plaintext, Purpose), Purpose, out var opened) && opened == plaintext, Is.True);
    }

    [Test]
    public void Envelope_HasVersionKeyIdAndBase64UrlPayload()
    {
        var envelope = protector.Protect("s3cr3t", Purpose);

        Assert.That(envelope, Does.Match(@"^wv1\.k1\.[A-Za-z0-9_-]+$"));
    }

    [Test]
    public void Envelope_DoesNotContainThePlaintextOrItsBase64()
    {
        const string plaintext = "client-secret-plaintext-123";

        var envelope = protector.Protect(plaintext, Purpose);

        var bytes = Encoding.UTF8.GetBytes(plaintext);
        Assert.That(envelope, Does.Not.Contain(plaintext)
            .And.Not.Contain(Convert.ToBase64String(bytes).TrimEnd('='))
            .And.Not.Contain(Base64Url.EncodeToString(bytes)));
    }

    [Test]
    public void ProtectingTheSameValueTwice_GivesDifferentEnvelopes()
    {
        var first = protector.Protect("same", Purpose);
        var second = protector.Protect("same", Purpose);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.Not.EqualTo(second));
            // Fresh nonce: the first 12 payload bytes differ.
            Assert.That(Payload(first).AsSpan(0, 12).ToArray(), Is.Not.EqualTo(Payload(second).AsSpan(0, 12).ToArray()));
        }
    }

    [TestCase("proj-b", "strava", "client_secret", TestName = "Unprotect_ForAnotherProject_ReturnsFalse")]
    [TestCase("proj-a", "polar", "client_secret", TestName = "Unprotect_ForAnotherProvider_ReturnsFalse")]
    [TestCase("proj-a", "strava", "client_id", TestName = "Unprotect_ForAnotherField_ReturnsFalse")]
    [TestCase("PROJ-A", "strava", "client_secret", TestName = "Unprotect_ForAProjectIdDifferingOnlyInCase_ReturnsFalse")]
    public void Unprotect_ForAnotherPurpose_ReturnsFalse(string project, string scope, string field)
    {
        var envelope = protector.Protect("s3cr3t", Purpose);

        var opened = protector.TryUnprotect(envelope, new SecretPurpose(project, scope, field), out var plaintext);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Is.False);
            Assert.That(plaintext, Does.Not.Contain("s3cr3t"));
        }
    }

    [Test]
    public void Unprotect_WithScopeAndFieldShifted_ReturnsFalse()
    {
        // The associated data separates its parts: "a" + "b/c" must not equal "a/b" + "c".
        var envelope = protector.Protect("s3cr3t", new SecretPurpose("proj-a", "strava", "client_id"));

        Assert.That(protector.TryUnprotect(envelope, new SecretPurpose("proj-a", "stravaclient", "_id"), out _), Is.False);
    }

    [Test]
    public void Unprotect_WithAnyPayloadByteFlipped_ReturnsFalse()
    {
        var envelope = protector.Protect("a secret worth tampering with", Purpose);
        var payload = Payload(envelope);
        var opened = new List<int>();

        for (var i = 0; i < payload.Length; i++)
        {
            var tampered = (byte[])payload.Clone();
            tampered[i] ^= 0x01;
            if (protector.TryUnprotect($"wv1.k1.{Base64Url.EncodeToString(tampered)}", Purpose, out _))
            {
                opened.Add(i);
            }
        }

        Assert.That(opened, Is.Empty, "byte positions whose tampering went unnoticed");
    }

    [Test]
    public void Unprotect_WithPayloadTruncatedOrExtended_ReturnsFalse()
    {
        var envelope = protector.Protect("s3cr3t", Purpose);
        var payload = Payload(envelope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect($"wv1.k1.{Base64Url.EncodeToString(payload.AsSpan(0, payload.Length - 1))}", Purpose, out _), Is.False);
            Assert.That(protector.TryUnprotect($"wv1.k1.{Base64Url.EncodeToString([.. payload, 0])}", Purpose, out _), Is.False);
        }
    }

    [Test]
    public void Unprotect_WithVersionOrKeyIdChanged_ReturnsFalse()
    {
        var envelope = protector.Protect("s3cr3t", Purpose);
        var body = envelope["wv1.k1.".Length..];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect("wv2.k1." + body, Purpose, out _), Is.False);
            Assert.That(protector.TryUnprotect("wv1.k2." + body, Purpose, out _), Is.False);
            Assert.That(protector.TryUnprotect("WV1.k1." + body, Purpose, out _), Is.False);
        }
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("not-an-envelope")]
    [TestCase("wv1")]
    [TestCase("wv1..")]
    [TestCase("wv1.k1.")]
    [TestCase("wv1..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("wv1.k1.AAAA")]
    [TestCase("wv1.k1.!!!!not base64!!!!")]
    [TestCase("wv1.k1.AAAA.AAAA")]
    [TestCase("wv1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("wv1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA====")]
    [TestCase("wv1.k1.\u0000\u0001")]
    public void Unprotect_Garbage_ReturnsFalseWithoutThrowing(string? garbage)
    {
        var opened = true;

        Assert.DoesNotThrow(() => opened = protector.TryUnprotect(garbage!, Purpose, out _));
        Assert.That(opened, Is.False);
    }

    [Test]
    public void Unprotect_WithAnotherMasterKeyUnderTheSameKeyId_ReturnsFalse()
    {
        var envelope = protector.Protect("s3cr3t", Purpose);

        Assert.That(TestKeys.Protector("k1").TryUnprotect(envelope, Purpose, out _), Is.False);
    }

    [Test]
    public void Unprotect_WithUnknownKeyId_ReturnsFalse()
    {
        var envelope = TestKeys.Protector("k9").Protect("s3cr3t", Purpose);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect(envelope, Purpose, out _), Is.False);
            Assert.That(protector.NeedsReprotect(envelope), Is.True, "an envelope of another key id is not the active key's");
        }
    }

    [Test]
    public void Rotation_OldEnvelopeStillOpens_NeedsReprotect_AndReprotectUsesTheNewKey()
    {
        var k1 = TestKeys.NewMasterKey();
        var k2 = TestKeys.NewMasterKey();
        var before = new AesGcmSecretProtector(TestKeys.Ring("k1", k1));
        var oldEnvelope = before.Protect("rotating secret", Purpose);

        var after = new AesGcmSecretProtector(TestKeys.Ring("k2", k2, ("k1", k1)));

        Assert.That(after.TryUnprotect(oldEnvelope, Purpose, out var opened), Is.True);
        var newEnvelope = after.Protect(opened, Purpose);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened, Is.EqualTo("rotating secret"));
            Assert.That(after.NeedsReprotect(oldEnvelope), Is.True);
            Assert.That(newEnvelope, Does.StartWith("wv1.k2."));
            Assert.That(after.NeedsReprotect(newEnvelope), Is.False);
            Assert.That(after.TryUnprotect(newEnvelope, Purpose, out var reopened) && reopened == "rotating secret", Is.True);
            Assert.That(before.TryUnprotect(newEnvelope, Purpose, out _), Is.False, "the old ring does not know k2");
        }
    }

    [Test]
    public void Rotation_WithoutThePreviousKey_OldEnvelopeNoLongerOpens()
    {
        var k1 = TestKeys.NewMasterKey();
        var oldEnvelope = new AesGcmSecretProtector(TestKeys.Ring("k1", k1)).Protect("s", Purpose);

        var after = new AesGcmSecretProtector(TestKeys.Ring("k2", TestKeys.NewMasterKey()));

        Assert.That(after.TryUnprotect(oldEnvelope, Purpose, out _), Is.False);
    }

    [TestCase("garbage")]
    [TestCase("")]
    public void NeedsReprotect_OfGarbage_IsFalse(string garbage) => Assert.That(protector.NeedsReprotect(garbage), Is.False);

    private static byte[] Payload(string envelope) => Base64Url.DecodeFromChars(envelope.Split('.')[2]);

    [Test]
    public void WithDerivedKeysHeld_AnEnvelopeStillOpensOnlyForItsOwnProject()
    {
        var forA = new SecretPurpose("proj-a", "strava", "client_secret");
        var forB = forA with { ProjectId = "proj-b" };
        var sealedForA = protector.Protect("a's secret", forA);
        var sealedForB = protector.Protect("b's secret", forB);

        // Both projects' keys are derived and held by now; each envelope still opens only for its project.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect(sealedForA, forB, out _), Is.False);
            Assert.That(protector.TryUnprotect(sealedForB, forA, out _), Is.False);
            Assert.That(protector.TryUnprotect(sealedForA, forA, out var a) && a == "a's secret", Is.True);
            Assert.That(protector.TryUnprotect(sealedForB, forB, out var b) && b == "b's secret", Is.True);
        }
    }

    [Test]
    public void DerivedKeys_AreBounded_AndEnvelopesStillOpenAfterTheyAreDropped()
    {
        var first = new SecretPurpose("proj-0", "strava", "client_id");
        var envelope = protector.Protect("client-0", first);

        for (var i = 1; i <= protector.DerivedKeys.MaxEntries + 5; i++)
        {
            protector.Protect("x", first with { ProjectId = $"proj-{i}" });
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.DerivedKeys.Count, Is.LessThanOrEqualTo(protector.DerivedKeys.MaxEntries));
            Assert.That(protector.TryUnprotect(envelope, first, out var opened) && opened == "client-0", Is.True);
        }
    }

    [Test]
    public void AnotherProtector_WithTheSameMasterKey_OpensWhatThisOneSealed()
    {
        // Derived keys are a cache of HKDF, not state: a new process (here, a new protector) derives the same ones.
        var master = TestKeys.NewMasterKey();
        var envelope = TestKeys.Protector("k1", master).Protect("s3cr3t", Purpose);

        Assert.That(TestKeys.Protector("k1", master).TryUnprotect(envelope, Purpose, out var opened) && opened == "s3cr3t", Is.True);
    }

    [Test]
    public void ManyThreads_SealingAndOpeningForInterleavedProjects_EachEnvelopeOpensOnlyForItsOwnProject()
    {
        // Each thread keeps a cipher for the last key it used: threads switching projects at every step, and
        // opening what other threads sealed, must neither share a cipher nor keep one for the wrong key.
        var purposes = Enumerable.Range(0, 5).Select(i => new SecretPurpose($"proj-{i}", "strava", "access_token")).ToArray();
        var sealedByOthers = purposes.Select((p, i) => protector.Protect($"seed-{i}", p)).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            var index = n % purposes.Length;
            var other = (index + 1) % purposes.Length;
            var plaintext = $"token-{n}";
            var envelope = protector.Protect(plaintext, purposes[index]);
            if (!protector.TryUnprotect(envelope, purposes[index], out var opened) || opened != plaintext)
            {
                failures.Add($"{n}: did not open for its own project");
            }

            if (protector.TryUnprotect(envelope, purposes[other], out _))
            {
                failures.Add($"{n}: opened for another project");
            }

            if (!protector.TryUnprotect(sealedByOthers[other], purposes[other], out var seed) || seed != $"seed-{other}")
            {
                failures.Add($"{n}: another thread's envelope did not open");
            }
        });

        Assert.That(failures, Is.Empty);
    }
}
