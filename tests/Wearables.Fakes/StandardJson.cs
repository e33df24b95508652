using System.Text.Json.Serialization;

namespace Wearables.Fakes;

/// <summary>An RFC 6749 §5.2 error answer.</summary>
internal sealed record OAuthError(string Error);

/// <summary>An RFC 6749 §5.1 token answer.</summary>
internal sealed record StandardTokenResponse(
    string AccessToken,
    string TokenType,
    long ExpiresIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken);

internal sealed record StandardUser(string UserId);

/// <summary>The answer of <c>GET /__fake/refresh-count</c>.</summary>
internal sealed record RefreshCount(int RefreshCalls);
