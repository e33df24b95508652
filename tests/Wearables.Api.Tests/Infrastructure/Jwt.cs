using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>HS256 tokens as the configured issuer would mint them, and deliberately broken ones.</summary>
public sealed class Jwt
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "wearables-api";

    // 64 bytes: enough for HS512 too (the service needs at least 32).
    public Jwt() => SigningKey = RandomNumberGenerator.GetBytes(64);

    public byte[] SigningKey { get; }

    /// <summary>The settings that turn JWT authentication on for a <see cref="WearablesApiFactory"/>.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Wearables:Auth:Jwt:Issuer"] = Issuer,
        ["Wearables:Auth:Jwt:Audience"] = Audience,
        ["Wearables:Auth:Jwt:SigningKey"] = Convert.ToBase64String(SigningKey),
    };

    /// <summary>A token with the given claims (a null value leaves the claim out).</summary>
    public string Mint(
        string? project,
        string? role,
        string? patient = null,
        string issuer = Issuer,
        string audience = Audience,
        DateTime? expires = null,
        byte[]? signingKey = null,
        string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "user-" + Guid.NewGuid().ToString("N")[..8] };
        if (project is not null)
        {
            claims["project"] = project;
        }

        if (role is not null)
        {
            claims["role"] = role;
        }

        if (patient is not null)
        {
            claims["patient"] = patient;
        }

        var exp = expires ?? DateTime.UtcNow.AddMinutes(10);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = exp.AddMinutes(-20),
            NotBefore = exp.AddMinutes(-20),
            Expires = exp,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(signingKey ?? SigningKey), algorithm),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>A token built by hand (header and payload as given), signed with HS256 unless <paramref name="sign"/> is false.</summary>
    public string Raw(object header, object payload, bool sign = true)
    {
        var head = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header));
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var signature = sign ? Base64Url(HMACSHA256.HashData(SigningKey, Encoding.ASCII.GetBytes($"{head}.{body}"))) : string.Empty;
        return $"{head}.{body}.{signature}";
    }

    public static long UnixTime(DateTime at) => new DateTimeOffset(at).ToUnixTimeSeconds();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
