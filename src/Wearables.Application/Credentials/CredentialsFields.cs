namespace Wearables.Application.Credentials;

/// <summary>Field names bound into each envelope's associated data.</summary>
public static class CredentialsFields
{
    public const string ClientId = "client_id";
    public const string ClientSecret = "client_secret";
    public const string WebhookSecret = "webhook_secret";
}
