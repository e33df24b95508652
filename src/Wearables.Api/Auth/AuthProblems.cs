using Wearables.Api.Errors;

namespace Wearables.Api.Auth;

/// <summary>401 and 403 bodies, identical for every scheme.</summary>
public static class AuthProblems
{
    /// <summary>The list-connections contract's 401 wording, used for every 401.</summary>
    public const string MissingOrInvalidKey = "Invalid or missing API key";

    public static Task WriteUnauthorizedAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.WWWAuthenticate = "Bearer, ApiKey header=\"X-API-Key\"";
        return ProblemWriter.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthenticated", MissingOrInvalidKey);
    }

    public static Task WriteForbiddenAsync(HttpContext context) =>
        ProblemWriter.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden", "The caller's role does not allow this operation.");
}
