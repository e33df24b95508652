namespace Wearables.Domain.Credentials;

/// <summary>Decrypted OAuth app credentials of a project for one provider. Never logged: ToString redacts.</summary>
public sealed record ProviderCredentials(string ClientId, string ClientSecret, string? WebhookSecret)
{
    public override string ToString() => "ProviderCredentials [redacted]";
}

/// <summary>What the API may show about stored credentials (the credentials status view: configured, clientIdLast4, hasSecret, hasWebhookSecret).</summary>
public sealed record CredentialsStatus(bool Configured, string? ClientIdLast4, bool HasSecret, bool HasWebhookSecret)
{
    public static readonly CredentialsStatus None = new(false, null, false, false);
}
