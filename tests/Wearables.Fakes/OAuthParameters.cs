namespace Wearables.Fakes;

/// <summary>Token-endpoint parameters from the form body, optionally falling back to the query string.</summary>
internal readonly struct OAuthParameters
{
    private readonly IFormCollection? _form;
    private readonly IQueryCollection? _query;

    private OAuthParameters(IFormCollection? form, IQueryCollection? query)
    {
        _form = form;
        _query = query;
    }

    public string? this[string name]
    {
        get
        {
            if (_form is not null && _form.TryGetValue(name, out var fromForm) && !string.IsNullOrEmpty(fromForm))
            {
                return fromForm.ToString();
            }

            return _query is not null && _query.TryGetValue(name, out var fromQuery) && !string.IsNullOrEmpty(fromQuery)
                ? fromQuery.ToString()
                : null;
        }
    }

    /// <param name="includeQuery">Strava also takes the parameters as a query string on the POST, as its own examples do.</param>
    public static async Task<OAuthParameters> ReadAsync(HttpContext context, bool includeQuery = true)
    {
        var request = context.Request;
        var form = request.HasFormContentType
            ? await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false)
            : null;
        return new OAuthParameters(form, includeQuery ? request.Query : null);
    }
}
