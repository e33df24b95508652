using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using NSwag.Generation.AspNetCore;
using NSwag.Generation.Processors;
using NSwag.Generation.Processors.Contexts;

namespace Wearables.Api.OpenApi;

/// <summary>
/// Each response is documented with the media type its action declares (<c>application/problem+json</c>
/// for every error: NSwag would list them all as <c>application/json</c>) and with a description
/// (the status's reason phrase, where the action gives none).
/// </summary>
public sealed class ResponseContentProcessor : IOperationProcessor
{
    public bool Process(OperationProcessorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is not AspNetCoreOperationProcessorContext aspNetCore)
        {
            return true;
        }

        foreach (var declared in aspNetCore.ApiDescription.SupportedResponseTypes)
        {
            var code = declared.StatusCode.ToString(CultureInfo.InvariantCulture);
            if (!context.OperationDescription.Operation.Responses.TryGetValue(code, out var response))
            {
                continue;
            }

            if (string.IsNullOrEmpty(response.Description))
            {
                response.Description = ReasonPhrases.GetReasonPhrase(declared.StatusCode);
            }

            var mediaTypes = declared.ApiResponseFormats.Select(f => f.MediaType).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var documented = response.Content.Values.FirstOrDefault();
            if (documented is null || mediaTypes.Count == 0)
            {
                continue;
            }

            response.Content.Clear();
            foreach (var mediaType in mediaTypes)
            {
                response.Content[mediaType] = documented;
            }
        }

        return true;
    }
}
