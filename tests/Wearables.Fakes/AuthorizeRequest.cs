using Microsoft.Extensions.Primitives;

namespace Wearables.Fakes;

/// <summary>Parameters of an OAuth authorize request, read from the query (consent page) or the form (accept).</summary>
internal sealed record AuthorizeRequest(
    string? ClientId,
    string? RedirectUri,
    string? ResponseType,
    string? Scope,
    string? State,
    string? ApprovalPrompt,
    string? CodeChallenge = null,
    string? CodeChallengeMethod = null)
{
    public static AuthorizeRequest From(IEnumerable<KeyValuePair<string, StringValues>> values)
    {
        string? clientId = null, redirectUri = null, responseType = null, scope = null, state = null, approvalPrompt = null;
        string? codeChallenge = null, codeChallengeMethod = null;
        foreach (var (key, value) in values)
        {
            var text = value.Count == 0 ? null : value.ToString();
            switch (key)
            {
                case "client_id": clientId = text; break;
                case "redirect_uri": redirectUri = text; break;
                case "response_type": responseType = text; break;
                case "scope": scope = text; break;
                case "state": state = text; break;
                case "approval_prompt": approvalPrompt = text; break;
                case "code_challenge": codeChallenge = text; break;
                case "code_challenge_method": codeChallengeMethod = text; break;
            }
        }

        return new AuthorizeRequest(clientId, redirectUri, responseType, scope, state, approvalPrompt, codeChallenge, codeChallengeMethod);
    }

    public static bool IsAbsoluteHttpUri(string? value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public IEnumerable<KeyValuePair<string, string>> HiddenFields()
    {
        if (ClientId is not null) yield return new("client_id", ClientId);
        if (RedirectUri is not null) yield return new("redirect_uri", RedirectUri);
        if (ResponseType is not null) yield return new("response_type", ResponseType);
        if (Scope is not null) yield return new("scope", Scope);
        if (State is not null) yield return new("state", State);
        if (ApprovalPrompt is not null) yield return new("approval_prompt", ApprovalPrompt);
        if (CodeChallenge is not null) yield return new("code_challenge", CodeChallenge);
        if (CodeChallengeMethod is not null) yield return new("code_challenge_method", CodeChallengeMethod);
    }
}
