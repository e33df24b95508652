using AutoMapper;
using MediatR;
using Wearables.Application.Common.Interfaces;

namespace Wearables.Application.ApiKeys.Queries.ListApiKeys;

/// <summary>The caller's project's keys: ids (prefixes) and metadata only.</summary>
public sealed record ListApiKeysQuery : IRequest<IReadOnlyList<ApiKeyDto>>;

public sealed class ListApiKeysQueryHandler(ICallerContext caller, IApiKeyStore store, IMapper mapper)
    : IRequestHandler<ListApiKeysQuery, IReadOnlyList<ApiKeyDto>>
{
    public async Task<IReadOnlyList<ApiKeyDto>> Handle(ListApiKeysQuery request, CancellationToken cancellationToken)
    {
        var keys = await store.ListAsync(caller.Caller.ProjectId, cancellationToken).ConfigureAwait(false);
        return keys.OrderBy(k => k.CreatedAt).Select(mapper.Map<ApiKeyDto>).ToList();
    }
}
