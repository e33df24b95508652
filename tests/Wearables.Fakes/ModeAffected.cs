namespace Wearables.Fakes;

/// <summary>Endpoint metadata marking a token/API endpoint that honours <see cref="FakeServer.Mode"/>.</summary>
internal sealed class ModeAffected
{
    public static readonly ModeAffected Instance = new();

    private ModeAffected()
    {
    }
}

internal static class ModeAffectedExtensions
{
    public static TBuilder AffectedByMode<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(ModeAffected.Instance);
}
