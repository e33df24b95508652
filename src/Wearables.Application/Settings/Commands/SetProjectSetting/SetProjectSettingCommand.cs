using System.Text.Json;
using MediatR;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.Settings.Commands.SetProjectSetting;

/// <summary>Sets one project setting. Unknown key → 404; a value the key does not accept → 422.</summary>
public sealed record SetProjectSettingCommand(string Key, JsonElement? Value) : IRequest<ProjectSettingDto>;

public sealed record ProjectSettingDto(string Key, object Value);

public sealed class SetProjectSettingCommandHandler(ICallerContext caller, ProjectSettings settings)
    : IRequestHandler<SetProjectSettingCommand, ProjectSettingDto>
{
    public async Task<ProjectSettingDto> Handle(SetProjectSettingCommand request, CancellationToken cancellationToken)
    {
        if (!settings.IsKnown(request.Key))
        {
            throw new NotFoundException("setting_not_found", "Unknown project setting.");
        }

        var normalized = ProjectSettings.Normalize(request.Key, request.Value);
        await settings.SetAsync(caller.Caller.ProjectId, request.Key, normalized, cancellationToken).ConfigureAwait(false);
        return new ProjectSettingDto(request.Key, ProjectSettings.ToPublic(request.Key, normalized));
    }
}
