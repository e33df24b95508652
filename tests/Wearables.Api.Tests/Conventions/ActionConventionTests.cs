using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;

namespace Wearables.Api.Tests.Conventions;

/// <summary>
/// Every controller action carries an explicit authorization decision and documents its answers
/// (style.md, habit 4): a forgotten attribute fails here, listing the offenders.
/// </summary>
public sealed class ActionConventionTests
{
    private static readonly Assembly Api = typeof(Program).Assembly;

    private static IEnumerable<(Type Controller, MethodInfo Action)> Actions() =>
        Api.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ControllerBase).IsAssignableFrom(t))
            .SelectMany(c => c.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName && m.GetCustomAttribute<NonActionAttribute>() is null)
                .Select(m => (c, m)));

    private static string Name((Type Controller, MethodInfo Action) a) => $"{a.Controller.Name}.{a.Action.Name}";

    [Test]
    public void TheApiHasControllerActions()
    {
        Assert.That(Actions().Select(Name), Is.SupersetOf(new[]
        {
            "CredentialsController.Put", "CredentialsController.Get", "CredentialsController.Delete",
            "SettingsController.GetAll", "SettingsController.Put",
            "ApiKeysController.List", "ApiKeysController.Create", "ApiKeysController.Revoke",
        }));
    }

    [Test]
    public void EveryAction_HasAnHttpMethodAttribute()
    {
        var offenders = Actions().Where(a => !a.Action.GetCustomAttributes<HttpMethodAttribute>().Any()).Select(Name).ToList();

        Assert.That(offenders, Is.Empty, "public controller methods without [Http*] (mark helpers [NonAction])");
    }

    [Test]
    public void EveryAction_NamesAPolicyOrIsExplicitlyAnonymous()
    {
        static bool Decided(MemberInfo member) =>
            member.GetCustomAttributes<AuthorizeAttribute>(inherit: true).Any(a => !string.IsNullOrWhiteSpace(a.Policy))
            || member.GetCustomAttributes<AllowAnonymousAttribute>(inherit: true).Any();

        var offenders = Actions().Where(a => !Decided(a.Action) && !Decided(a.Controller)).Select(Name).ToList();

        Assert.That(offenders, Is.Empty, "actions without [Authorize(Policy = …)] or [AllowAnonymous] on the action or its controller");
    }

    [Test]
    public void NoAction_IsBothAnonymousAndAuthorized_OnItself()
    {
        var offenders = Actions()
            .Where(a => a.Action.GetCustomAttributes<AllowAnonymousAttribute>().Any() && a.Action.GetCustomAttributes<AuthorizeAttribute>().Any())
            .Select(Name).ToList();

        Assert.That(offenders, Is.Empty, "[AllowAnonymous] silently overrides [Authorize]: pick one");
    }

    [Test]
    public void EveryAction_DeclaresItsResponses()
    {
        static IEnumerable<ProducesResponseTypeAttribute> Declared(MemberInfo member) =>
            member.GetCustomAttributes<ProducesResponseTypeAttribute>(inherit: true);

        var none = Actions().Where(a => !Declared(a.Action).Any() && !Declared(a.Controller).Any()).Select(Name).ToList();
        var noSuccess = Actions()
            .Where(a => !Declared(a.Action).Concat(Declared(a.Controller)).Any(p => p.StatusCode is >= 200 and < 400))
            .Select(Name).ToList();

        Assert.That(none, Is.Empty, "actions without any [ProducesResponseType]");
        Assert.That(noSuccess, Is.Empty, "actions that declare no success status");
    }

    [Test]
    public void EveryAuthenticatedAction_Declares401_AndRoleRestrictedOnes403()
    {
        static IEnumerable<int> Statuses((Type Controller, MethodInfo Action) a) =>
            a.Action.GetCustomAttributes<ProducesResponseTypeAttribute>(true)
                .Concat(a.Controller.GetCustomAttributes<ProducesResponseTypeAttribute>(true))
                .Select(p => p.StatusCode);

        static string? Policy((Type Controller, MethodInfo Action) a) =>
            a.Action.GetCustomAttributes<AuthorizeAttribute>(true).Concat(a.Controller.GetCustomAttributes<AuthorizeAttribute>(true))
                .Select(x => x.Policy).FirstOrDefault(p => p is not null);

        var authenticated = Actions()
            .Where(a => !a.Action.GetCustomAttributes<AllowAnonymousAttribute>().Any() && !a.Controller.GetCustomAttributes<AllowAnonymousAttribute>().Any())
            .ToList();
        var no401 = authenticated.Where(a => !Statuses(a).Contains(401)).Select(Name).ToList();

        // Policies that admit only some roles answer 403 to the others.
        var no403 = authenticated
            .Where(a => Policy(a) is global::Wearables.Api.Auth.Policies.Admin or global::Wearables.Api.Auth.Policies.Backend && !Statuses(a).Contains(403))
            .Select(Name).ToList();

        Assert.That(no401, Is.Empty, "authenticated actions that do not document 401");
        Assert.That(no403, Is.Empty, "role-restricted actions that do not document 403");
    }
}
