namespace Wearables.Application.ApiKeys;

/// <summary>An API key as listed: its public id (prefix) and metadata, never the key or its hash.</summary>
public sealed class ApiKeyDto
{
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    public string? PatientId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public bool Active { get; init; }
}

/// <summary>A created key: the only time the plaintext <see cref="Key"/> is returned.</summary>
public sealed class CreatedApiKeyDto
{
    public string Id { get; init; } = string.Empty;

    public string Key { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Role { get; init; } = string.Empty;

    public string? PatientId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public override string ToString() => $"CreatedApiKeyDto {Id} [redacted]";
}
