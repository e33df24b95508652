using System.Text.Json;
using System.Text.Json.Serialization;
using Wearables.Api.Controllers;
using Wearables.Application.Connections.Queries.ListConnections;

namespace Wearables.Api;

/// <summary>
/// Compile-time JSON metadata and writers for the bodies of the hot endpoints (connect, callback,
/// list). Same options as MVC's (web defaults), so the output is byte for byte what reflection
/// wrote; other types still go through reflection, after this resolver.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConnectRequest))]
[JsonSerializable(typeof(ConnectResponse))]
[JsonSerializable(typeof(CallbackResponse))]
[JsonSerializable(typeof(IReadOnlyList<ConnectionDto>))]
[JsonSerializable(typeof(List<ConnectionDto>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
