using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wearables.Infrastructure.Configuration;

namespace Wearables.Api.Auth;

/// <summary>
/// One default scheme that forwards to API-key or JWT authentication: a Bearer value that is not
/// one of our keys (<c>wk_…</c>) goes to JWT validation when an issuer is configured.
/// </summary>
public static class AuthenticationSetup
{
    public const string DefaultScheme = "Wearables";
    public const string JwtScheme = JwtBearerDefaults.AuthenticationScheme;

    public static IServiceCollection AddWearablesAuthentication(this IServiceCollection services, JwtOptions jwt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var signingKey = DecodeSigningKey(jwt.SigningKey);
        var builder = services
            .AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "API key or JWT", o => o.ForwardDefaultSelector = context =>
            {
                var bearer = ApiKeyAuthenticationHandler.BearerToken(context.Request);
                var useJwt = jwt.Enabled
                    && !context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
                    && LooksLikeJwt(bearer);
                return useJwt ? JwtScheme : ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        if (jwt.Enabled)
        {
            builder.AddJwtBearer(JwtScheme, o =>
            {
                o.MapInboundClaims = false;
                o.RequireHttpsMetadata = jwt.Authority?.StartsWith("https://", StringComparison.Ordinal) ?? true;
                if (!string.IsNullOrWhiteSpace(jwt.Authority))
                {
                    o.Authority = jwt.Authority;
                }

                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer),
                    ValidIssuer = jwt.Issuer,
                    ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience),
                    ValidAudience = jwt.Audience,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = WearablesClaims.Credential,
                    RoleClaimType = WearablesClaims.Role,
                };
                if (signingKey is not null)
                {
                    o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(signingKey);
                    o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512];
                }

                o.Events = new JwtBearerEvents
                {
                    // A valid signature is not enough: the claims must name a project and a role we know.
                    OnTokenValidated = context =>
                    {
                        if (context.SecurityToken is not JsonWebToken token || !JwtCallerClaims.AreWellFormed(token.EncodedPayload)
                            || WearablesClaims.ToCaller(context.Principal) is null)
                        {
                            context.Fail("The token lacks valid project/role/patient claims.");
                        }

                        return Task.CompletedTask;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        await AuthProblems.WriteUnauthorizedAsync(context.HttpContext).ConfigureAwait(false);
                    },
                    OnForbidden = context => AuthProblems.WriteForbiddenAsync(context.HttpContext),
                };
            });
        }

        return services;
    }

    /// <summary>A compact JWS: three base64url parts, the header starting with <c>{"</c> (<c>eyJ</c>).</summary>
    private static bool LooksLikeJwt(string? token) =>
        token is not null && token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count(c => c == '.') == 2;

    /// <summary>Checked at registration so that a bad key stops start-up instead of failing the first JWT request.</summary>
    private static byte[]? DecodeSigningKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Wearables:Auth:Jwt:SigningKey is not valid base64.");
        }

        return key.Length >= 32 ? key : throw new InvalidOperationException("Wearables:Auth:Jwt:SigningKey must be the base64 of at least 32 bytes.");
    }
}
