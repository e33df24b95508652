using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Wearables.Api.Auth;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Security;
using Wearables.Domain.Security;

namespace Wearables.Api.Tests.Auth;

/// <summary>The caller is read from the principal once per request, and afresh if the principal changes.</summary>
public sealed class HttpCallerContextTests
{
    private static readonly CallerIdentity Admin = new("proj-a", Role.Admin, null, "wk_admin001");
    private static readonly CallerIdentity Patient = new("proj-b", Role.Patient, "patient-1", "wk_patient1");

    [Test]
    public void TheSamePrincipal_IsReadOnce()
    {
        var http = new DefaultHttpContext { User = WearablesClaims.ToPrincipal(Admin, "ApiKey") };
        var context = new HttpCallerContext(new HttpContextAccessor { HttpContext = http });

        var first = context.Caller;

        Assert.That(context.Caller, Is.SameAs(first));
        Assert.That(first, Is.EqualTo(Admin));
    }

    [Test]
    public void AReplacedPrincipal_IsReadAfresh()
    {
        var http = new DefaultHttpContext { User = WearablesClaims.ToPrincipal(Admin, "ApiKey") };
        var context = new HttpCallerContext(new HttpContextAccessor { HttpContext = http });
        _ = context.Caller;

        http.User = WearablesClaims.ToPrincipal(Patient, "ApiKey");

        Assert.That(context.Caller, Is.EqualTo(Patient));
    }

    [Test]
    public void AnUnauthenticatedPrincipal_IsRefusedEveryTime_AndNeverRemembered()
    {
        var http = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity()) };
        var context = new HttpCallerContext(new HttpContextAccessor { HttpContext = http });

        Assert.Throws<UnauthorizedException>(() => _ = context.Caller);
        Assert.Throws<UnauthorizedException>(() => _ = context.Caller);

        http.User = WearablesClaims.ToPrincipal(Admin, "ApiKey");
        Assert.That(context.Caller, Is.EqualTo(Admin));
    }
}
