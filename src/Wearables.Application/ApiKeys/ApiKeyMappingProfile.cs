using AutoMapper;
using Wearables.Domain.Security;

namespace Wearables.Application.ApiKeys;

public sealed class ApiKeyMappingProfile : Profile
{
    public ApiKeyMappingProfile()
    {
        CreateMap<ApiKey, ApiKeyDto>()
            .ForMember(d => d.Role, o => o.MapFrom(s => s.Role.ToName()))
            .ForMember(d => d.Active, o => o.MapFrom(s => s.IsActive));
    }
}
