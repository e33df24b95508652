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
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireClaim(WearablesClaims.Role, Roles.Admin));
        options.AddPolicy(Backend, p => p.RequireAuthenticatedUser().RequireClaim(WearablesClaims.Role, Roles.Admin, Roles.Service));
        options.AddPolicy(AnyCaller, p => p.RequireAuthenticatedUser().RequireClaim(WearablesClaims.Role, Roles.Admin, Roles.Service, Roles.Patient));

        // Anything that forgets to name a policy still requires an authenticated caller (fail closed).
        options.FallbackPolicy = options.DefaultPolicy;
    }
}
