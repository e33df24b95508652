namespace Wearables.Fakes;

/// <summary>
/// An upstream that answers every request with a redirect (<see cref="Status"/>, <c>Location</c> =
/// <see cref="Target"/> + the request's path and query), as a compromised or misconfigured upstream
/// might; with no target it answers <c>200 {}</c> and only records (the host a redirect points to).
/// </summary>
public sealed class FakeRedirector(Uri? target, int status = StatusCodes.Status307TemporaryRedirect) : FakeServer(null)
{
    public Uri? Target { get; } = target;

    public int Status { get; } = status;

    protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.Map("/{**path}", AnswerAsync);

    private Task AnswerAsync(HttpContext context)
    {
        if (Target is null)
        {
            return Respond.TextAsync(context, StatusCodes.Status200OK, "{}");
        }

        context.Response.StatusCode = Status;
        context.Response.Headers.Location = new Uri(Target, context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString).ToString();
        return Task.CompletedTask;
    }
}
