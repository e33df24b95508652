namespace Wearables.Application.Junction;

/// <summary>The Junction team a call goes to: its API base and its <c>x-vital-api-key</c>. Never logged: ToString redacts.</summary>
public sealed record JunctionAccount(Uri BaseUrl, string ApiKey)
{
    public override string ToString() => $"JunctionAccount ({BaseUrl}) [key redacted]";
}
