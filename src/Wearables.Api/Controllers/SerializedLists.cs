using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wearables.Application.Connections.Queries.ListConnections;

namespace Wearables.Api.Controllers;

/// <summary>
/// The JSON of each list answer, kept for as long as that answer lives: the list handler answers the same
/// instance while the user's connections are unchanged, so a repeated list serializes nothing. Written with
/// MVC's own options and the declared type, as its formatter would write it.
/// </summary>
internal static class SerializedLists
{
    private static readonly ConditionalWeakTable<IReadOnlyList<ConnectionDto>, byte[]> Json = [];

    public static byte[] Of(IReadOnlyList<ConnectionDto> list, HttpContext context) =>
        Json.GetValue(list, l => JsonSerializer.SerializeToUtf8Bytes(
            l, context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.JsonSerializerOptions.GetTypeInfo(typeof(IReadOnlyList<ConnectionDto>))));
}
