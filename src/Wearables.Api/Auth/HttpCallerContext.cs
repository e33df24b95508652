using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Security;

namespace Wearables.Api.Auth;

public sealed class HttpCallerContext(IHttpContextAccessor accessor) : ICallerContext
{
    public CallerIdentity Caller =>
        WearablesClaims.ToCaller(accessor.HttpContext?.User)
        ?? throw new UnauthorizedException("unauthenticated", AuthProblems.MissingOrInvalidKey);
}
