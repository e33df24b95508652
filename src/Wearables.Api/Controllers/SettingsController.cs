using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.Settings.Commands.SetProjectSetting;
using Wearables.Application.Settings.Queries.GetProjectSettings;

namespace Wearables.Api.Controllers;

/// <summary>Project settings: provider toggles and allowed redirect origins. Admin only.</summary>
[ApiController]
[Route("v1/project/settings")]
[Authorize(Policy = Policies.Admin)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class SettingsController(IMediator mediator) : ControllerBase
{
    /// <summary>
    /// All settings with their values: <c>WEARABLE_&lt;PROVIDER&gt;_ENABLED</c> (booleans, default false) and
    /// <c>WEARABLE_REDIRECT_ORIGINS</c> (comma-separated origins, default empty).
    /// </summary>
    [HttpGet]
    [ProducesResponseType(typeof(IReadOnlyDictionary<string, object>), StatusCodes.Status200OK, "application/json")]
    public Task<IReadOnlyDictionary<string, object>> GetAll(CancellationToken cancellationToken) =>
        mediator.Send(new GetProjectSettingsQuery(), cancellationToken);

    /// <summary>Set one setting: <c>{"value": true}</c> (or "true"/"false") for toggles, a string for origins.</summary>
    [HttpPut("{key}")]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(ProjectSettingDto), StatusCodes.Status200OK, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    public Task<ProjectSettingDto> Put(string key, [FromBody] SetSettingRequest body, CancellationToken cancellationToken) =>
        mediator.Send(new SetProjectSettingCommand(key, body.Value), cancellationToken);
}

/// <summary>Request body of PUT setting.</summary>
public sealed class SetSettingRequest
{
    /// <summary>A JSON boolean (or "true"/"false") for toggles; a string for WEARABLE_REDIRECT_ORIGINS.</summary>
    public JsonElement? Value { get; init; }
}
