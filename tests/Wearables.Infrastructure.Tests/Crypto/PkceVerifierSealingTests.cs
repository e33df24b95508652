using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Infrastructure.Crypto;

namespace Wearables.Infrastructure.Tests.Crypto;

/// <summary>A PKCE verifier sealed with the real protector opens only for its own project and flow, and only as a verifier.</summary>
public sealed class PkceVerifierSealingTests
{
    private const string Project = "proj-a";
    private const string StateHash = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    private AesGcmSecretProtector protector = null!;
    private PkceVerifiers pkce = null!;
    private string verifier = null!;
    private string envelope = null!;

    [SetUp]
    public void Seal()
    {
        protector = TestKeys.Protector();
        pkce = new PkceVerifiers(protector);
        verifier = PkceVerifiers.NewVerifier();
        envelope = pkce.Seal(Project, StateHash, verifier);
    }

    [Test]
    public void Sealed_HoldsNoPlaintext_AndOpensForItsFlow()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(envelope, Does.StartWith("wv1.").And.Not.Contain(verifier));
            Assert.That(pkce.TryOpen(Project, StateHash, envelope, out var opened), Is.True);
            Assert.That(opened, Is.EqualTo(verifier));
        }
    }

    [Test]
    public void Sealed_DoesNotOpenForAnotherFlow() =>
        Assert.That(pkce.TryOpen(Project, StateHash.Replace('0', '1'), envelope, out _), Is.False);

    [Test]
    public void Sealed_DoesNotOpenInAnotherProject() =>
        Assert.That(pkce.TryOpen("proj-b", StateHash, envelope, out _), Is.False);

    [Test]
    public void Sealed_DoesNotOpenAsAnotherSecret()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(protector.TryUnprotect(envelope, new SecretPurpose(Project, "oauth-state:" + StateHash, ConnectionTokens.AccessTokenField), out _), Is.False);
            Assert.That(protector.TryUnprotect(envelope, new SecretPurpose(Project, "strava", "client_secret"), out _), Is.False);
        }
    }

    [Test]
    public void AnotherSecretsEnvelope_DoesNotOpenAsAVerifier()
    {
        var token = protector.Protect("an-access-token", new SecretPurpose(Project, "oauth-state:" + StateHash, ConnectionTokens.AccessTokenField));

        Assert.That(pkce.TryOpen(Project, StateHash, token, out _), Is.False);
    }

    [Test]
    public void Tampered_DoesNotOpen()
    {
        var flipped = envelope[..^2] + (envelope[^2] == 'A' ? 'B' : 'A') + envelope[^1];

        Assert.That(pkce.TryOpen(Project, StateHash, flipped, out _), Is.False);
    }

    [Test]
    public void SealedWithAKeyNoLongerConfigured_DoesNotOpen()
    {
        var other = new PkceVerifiers(TestKeys.Protector());

        Assert.That(other.TryOpen(Project, StateHash, envelope, out _), Is.False);
    }
}
