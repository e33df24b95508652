using Microsoft.AspNetCore.Authorization;
using NSwag;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;

namespace Wearables.Api.OpenApi;

/// <summary>
/// Every operation says how it is called: an API key or a bearer token, or (the provider's
/// callback) no credentials at all, stated as <c>security: []</c>.
/// </summary>
public sealed class SecurityRequirementsProcessor : IOperationProcessor
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public bool Process(OperationProcessorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var operation = context.OperationDescription.Operation;
        var anonymous = context is AspNetCoreOperationProcessorContext aspNetCore
            && aspNetCore.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any();
        if (anonymous)
        {
            // NSwag does not write an empty Security list; as extension data the key is written as it is.
            operation.ExtensionData ??= new Dictionary<string, object?>();
            operation.ExtensionData["security"] = Array.Empty<object>();
            return true;
        }

        // Either one is enough: two requirements, not one with both schemes.
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [ApiKeyScheme] = [] });
        operation.Security.Add(new OpenApiSecurityRequirement { [BearerScheme] = [] });

        return true;
    }
}
