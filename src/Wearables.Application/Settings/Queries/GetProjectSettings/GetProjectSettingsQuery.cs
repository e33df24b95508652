using MediatR;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Settings.Queries.GetProjectSettings;

/// <summary>Every known setting of the caller's project, with defaults filled in.</summary>
public sealed record GetProjectSettingsQuery : IRequest<IReadOnlyDictionary<string, object>>;

public sealed class GetProjectSettingsQueryHandler(ICallerContext caller, ProjectSettings settings)
    : IRequestHandler<GetProjectSettingsQuery, IReadOnlyDictionary<string, object>>
{
    public Task<IReadOnlyDictionary<string, object>> Handle(GetProjectSettingsQuery request, CancellationToken cancellationToken) =>
        settings.GetAllAsync(caller.Caller.ProjectId, cancellationToken);
}
