using System.Security.Claims;
using Wearables.Api.Auth;
using Wearables.Application.Common.Security;
using Wearables.Domain.Security;

namespace Wearables.Api.Tests.Auth;

/// <summary>
/// The one caller a principal stands for: each of its claims at most once, over every identity of the principal,
/// with types compared as each identity's own lookup compares them (a plain identity ignores case, a JWT's does not);
/// anything else is no caller.
/// </summary>
public sealed class WearablesClaimsTests
{
    private static readonly CallerIdentity Patient = new("proj-a", Role.Patient, "patient-1", "wk_patient1");

    [Test]
    public void APrincipalMadeForACaller_StandsForThatCaller()
    {
        Assert.That(WearablesClaims.ToCaller(WearablesClaims.ToPrincipal(Patient, "ApiKey")), Is.EqualTo(Patient));
    }

    [TestCase("ROLE", "admin")]
    [TestCase("Role", "service")]
    [TestCase("PROJECT", "proj-b")]
    [TestCase("Patient", "patient-2")]
    [TestCase("CREDENTIAL", "wk_other01")]
    public void AClaimGivenAgainUnderAnotherCase_IsNoCaller(string type, string value)
    {
        var principal = WearablesClaims.ToPrincipal(Patient, "ApiKey");
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(type, value));

        Assert.That(WearablesClaims.ToCaller(principal), Is.Null);
    }

    [Test]
    public void AClaimGivenAgainInASecondIdentity_IsNoCaller()
    {
        var principal = WearablesClaims.ToPrincipal(Patient, "ApiKey");
        principal.AddIdentity(new ClaimsIdentity([new Claim(WearablesClaims.Role, "admin")], "Other"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.Null);
    }

    [Test]
    public void AClaimTypedInAnotherCaseOnly_IsRead()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("Project", "proj-a"), new Claim("ROLE", "patient"), new Claim("patient", "patient-1"), new Claim("Credential", "wk_patient1")],
            "ApiKey"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.EqualTo(Patient));
    }

    [Test]
    public void AClaimThatIsNoString_IsNoCaller()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("project", "proj-a"), new Claim("role", "patient"), new Claim("patient", "12345", ClaimValueTypes.Integer), new Claim("credential", "wk_patient1")],
            "ApiKey"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.Null);
    }

    [Test]
    public void OtherClaims_AreLeftAlone()
    {
        var principal = WearablesClaims.ToPrincipal(Patient, "ApiKey");
        ((ClaimsIdentity)principal.Identity!).AddClaims([new Claim("scope", "a"), new Claim("scope", "b"), new Claim("roles", "admin")]);

        Assert.That(WearablesClaims.ToCaller(principal), Is.EqualTo(Patient));
    }

    [Test]
    public void InACaseSensitiveIdentity_AClaimTypedInAnotherCase_IsNotOurs()
    {
        var principal = JwtPrincipal(new Claim("project", "proj-a"), new Claim("ROLE", "admin"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.Null, "no role claim");
    }

    [Test]
    public void InACaseSensitiveIdentity_TheSameClaimsAsAPlainOne_StandForTheSameCaller()
    {
        var principal = JwtPrincipal(
            new Claim("project", "proj-a"), new Claim("role", "patient"), new Claim("patient", "patient-1"), new Claim("credential", "wk_patient1"),
            new Claim("ROLE", "admin"), new Claim("Patient", "patient-2"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.EqualTo(Patient), "ROLE and Patient are other claims there");
    }

    [Test]
    public void InACaseSensitiveIdentity_AClaimGivenTwice_IsNoCaller()
    {
        var principal = JwtPrincipal(new Claim("project", "proj-a"), new Claim("role", "service"), new Claim("role", "admin"));

        Assert.That(WearablesClaims.ToCaller(principal), Is.Null);
    }

    /// <summary>A principal as a JWT's is made: IdentityModel's identity, which finds claims by their exact type.</summary>
    private static ClaimsPrincipal JwtPrincipal(params Claim[] claims) =>
        new(new Microsoft.IdentityModel.Tokens.CaseSensitiveClaimsIdentity(claims, "Bearer"));
}
