namespace Wearables.Application.Connections;

/// <summary>
/// Where a provider sends the browser back after consent: the <c>redirect_uri</c> of a flow, which
/// must be the one registered at the provider. The host knows its routes and its public address;
/// the application only carries the value from connect to the code exchange.
/// </summary>
public interface IOAuthCallbackUri
{
    /// <summary>The absolute callback URI for a provider of the catalog.</summary>
    string ForProvider(string provider);
}
