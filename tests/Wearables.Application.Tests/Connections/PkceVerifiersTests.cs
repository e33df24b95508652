using System.Buffers.Text;
using Wearables.Application.Connections;

namespace Wearables.Application.Tests.Connections;

/// <summary>RFC 7636 verifiers and S256 challenges.</summary>
public sealed class PkceVerifiersTests
{
    [Test]
    public void Challenge_OfTheRfc7636AppendixBVerifier_IsTheRfcsChallenge() =>
        Assert.That(PkceVerifiers.ChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), Is.EqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));

    [Test]
    public void NewVerifier_Is43To128UnreservedCharacters_From32RandomBytes()
    {
        var verifier = PkceVerifiers.NewVerifier();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier, Does.Match("^[A-Za-z0-9_-]{43,128}$"), "base64url without padding is within RFC 7636's unreserved characters");
            Assert.That(Base64Url.DecodeFromChars(verifier), Has.Length.GreaterThanOrEqualTo(32));
        }
    }

    [Test]
    public void NewVerifier_IsFreshEveryTime()
    {
        var verifiers = Enumerable.Range(0, 200).Select(_ => PkceVerifiers.NewVerifier()).ToList();

        Assert.That(verifiers.Distinct().Count(), Is.EqualTo(verifiers.Count));
    }

    [Test]
    public void Challenge_IsUnpaddedBase64UrlOfASha256Digest()
    {
        var challenge = PkceVerifiers.ChallengeOf(PkceVerifiers.NewVerifier());

        Assert.That(challenge, Does.Match("^[A-Za-z0-9_-]{43}$"));
    }

    [Test]
    public void Purpose_IsBoundToTheProjectTheFlowAndItsOwnField()
    {
        var purpose = PkceVerifiers.PurposeOf("proj-a", "abc123");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(purpose.ProjectId, Is.EqualTo("proj-a"));
            Assert.That(purpose.Scope, Is.EqualTo("oauth-state:abc123"));
            Assert.That(purpose.Field, Is.EqualTo(PkceVerifiers.Field).And.Not.EqualTo(ConnectionTokens.AccessTokenField).And.Not.EqualTo(ConnectionTokens.RefreshTokenField));
            Assert.That(PkceVerifiers.PurposeOf("proj-a", "other"), Is.Not.EqualTo(purpose));
        }
    }
}
