using Wearables.Application.Common.Security;

namespace Wearables.Application.Common.Interfaces;

/// <summary>The authenticated caller of the current request.</summary>
public interface ICallerContext
{
    /// <summary>The caller; throws <see cref="Exceptions.UnauthorizedException"/> when there is none.</summary>
    CallerIdentity Caller { get; }
}
