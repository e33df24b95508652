using System.Security.Claims;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Security;

namespace Wearables.Api.Auth;

/// <summary>The request's caller, read from its principal once (a request asks several times: behaviors, validator, handler).</summary>
public sealed class HttpCallerContext(IHttpContextAccessor accessor) : ICallerContext
{
    private ClaimsPrincipal? readFrom;
    private CallerIdentity? caller;

    public CallerIdentity Caller
    {
        get
        {
            var principal = accessor.HttpContext?.User;
            // Keyed by the principal itself: a principal replaced mid-request is read afresh.
            if (caller is null || !ReferenceEquals(principal, readFrom))
            {
                caller = WearablesClaims.ToCaller(principal)
                    ?? throw new UnauthorizedException("unauthenticated", AuthProblems.MissingOrInvalidKey);
                readFrom = principal;
            }

            return caller;
        }
    }
}
