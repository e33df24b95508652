using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wearables.Api.Auth;
using Wearables.Api.Errors;
using Wearables.Application.ApiKeys;
using Wearables.Application.ApiKeys.Commands.CreateApiKey;
using Wearables.Application.ApiKeys.Commands.RevokeApiKey;
using Wearables.Application.ApiKeys.Queries.ListApiKeys;

namespace Wearables.Api.Controllers;

/// <summary>The project's API keys. Admin only; keys are shown once, at creation.</summary>
[ApiController]
[Route("v1/api-keys")]
[Authorize(Policy = Policies.Admin)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status401Unauthorized, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status403Forbidden, ProblemWriter.ContentType)]
[ProducesResponseType(typeof(ApiProblem), StatusCodes.Status503ServiceUnavailable, ProblemWriter.ContentType)]
public sealed class ApiKeysController(IMediator mediator) : ControllerBase
{
    /// <summary>List keys: id (the public prefix), name, role, dates. Never the key or its hash.</summary>
    [HttpGet]
    [ProducesResponseType(typeof(IReadOnlyList<ApiKeyDto>), StatusCodes.Status200OK, "application/json")]
    public Task<IReadOnlyList<ApiKeyDto>> List(CancellationToken cancellationToken) =>
        mediator.Send(new ListApiKeysQuery(), cancellationToken);

    /// <summary>Create a key for this project. The response holds the key: store it now, it is not shown again.</summary>
    [HttpPost]
    [Consumes("application/json")]
    [ProducesResponseType(typeof(CreatedApiKeyDto), StatusCodes.Status201Created, "application/json")]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status400BadRequest, ProblemWriter.ContentType)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status422UnprocessableEntity, ProblemWriter.ContentType)]
    public async Task<ActionResult<CreatedApiKeyDto>> Create([FromBody] CreateApiKeyRequest body, CancellationToken cancellationToken)
    {
        var created = await mediator.Send(new CreateApiKeyCommand(body.Name, body.Role, body.PatientId), cancellationToken).ConfigureAwait(false);
        Response.Headers.CacheControl = "no-store";
        return Created($"/v1/api-keys/{created.Id}", created);
    }

    /// <summary>Revoke a key; it stops working at once.</summary>
    [HttpDelete("{id}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType(typeof(ApiProblem), StatusCodes.Status404NotFound, ProblemWriter.ContentType)]
    public async Task<IActionResult> Revoke(string id, CancellationToken cancellationToken)
    {
        await mediator.Send(new RevokeApiKeyCommand(id), cancellationToken).ConfigureAwait(false);
        return NoContent();
    }
}

public sealed class CreateApiKeyRequest
{
    public string? Name { get; init; }

    /// <summary>admin, service or patient.</summary>
    public string? Role { get; init; }

    /// <summary>Required for (and only for) patient keys.</summary>
    public string? PatientId { get; init; }
}
