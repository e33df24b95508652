using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Wearables.Fakes;

/// <summary>The provider's "allow Wearables to access your account?" page, shared by the OAuth fakes.</summary>
internal static class ConsentPage
{
    public const string DecisionField = "decision";
    public const string Authorize = "authorize";

    public static string Render(string providerName, string acceptPath, string scopeDescription, AuthorizeRequest request)
    {
        var html = new StringBuilder(1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Authorize Wearables</title></head>\n<body>\n")
            .Append("<h1>Authorize Wearables</h1>\n")
            .Append("<p>Wearables would like to connect to your ").Append(Encode(providerName)).Append(" account.</p>\n")
            .Append("<p>Requested access: <span id=\"scope\">").Append(Encode(scopeDescription)).Append("</span></p>\n")
            .Append("<form method=\"post\" action=\"").Append(Encode(acceptPath)).Append("\">\n");
        foreach (var (name, value) in request.HiddenFields())
        {
            html.Append("<input type=\"hidden\" name=\"").Append(Encode(name))
                .Append("\" value=\"").Append(Encode(value)).Append("\">\n");
        }

        html.Append("<button id=\"authorize\" type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Authorize).Append("\">Authorize</button>\n")
            .Append("<button id=\"deny\" type=\"submit\" name=\"").Append(DecisionField).Append("\" value=\"deny\">Deny</button>\n")
            .Append("</form>\n</body>\n</html>\n");
        return html.ToString();
    }

    public static bool Accepted(IFormCollection form) => form[DecisionField] == Authorize;

    /// <summary>Adds parameters to the client's redirect URI, keeping any query or fragment it already has.</summary>
    public static string RedirectTo(string redirectUri, params ReadOnlySpan<KeyValuePair<string, string?>> parameters)
        => QueryHelpers.AddQueryString(redirectUri, parameters.ToArray());

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
