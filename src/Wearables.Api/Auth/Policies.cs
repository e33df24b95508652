using Wearables.Domain.Security;

namespace Wearables.Api.Auth;

/// <summary>Authorization policies; every controller action names one (or is explicitly anonymous).</summary>
public static class Policies
{
    /// <summary>Project administrators: credentials, settings, API keys.</summary>
    public const string Admin = "admin";

    /// <summary>Admins and the project's backends.</summary>
    public const string Backend = "backend";

    /// <summary>Admins, backends and patients (handlers then restrict patients to their own id).</summary>
    public const string AnyCaller = "any-caller";

    public static void Add(Microsoft.AspNetCore.Authorization.AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(Admin, p => RequireCallerRole(p, Role.Admin));
        options.AddPolicy(Backend, p => RequireCallerRole(p, Role.Admin, Role.Service));
        options.AddPolicy(AnyCaller, p => RequireCallerRole(p, Role.Admin, Role.Service, Role.Patient));

        // Anything that forgets to name a policy still requires an authenticated caller (fail closed).
        options.FallbackPolicy = options.DefaultPolicy;
    }

    /// <summary>
    /// Decided on the one caller the principal stands for (<see cref="WearablesClaims.ToCaller"/>), the
    /// same the handlers see, never on "any role claim": a principal with two roles is no caller at all.
    /// </summary>
    private static void RequireCallerRole(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy, params Role[] allowed) =>
        policy.RequireAuthenticatedUser().RequireAssertion(context =>
            WearablesClaims.ToCaller(context.User) is { } caller && Array.IndexOf(allowed, caller.Role) >= 0);
}
