using AutoMapper;
using Wearables.Application.Connections.Queries.ListConnections;
using Wearables.Domain.Connections;

namespace Wearables.Application.Connections;

public sealed class ConnectionMappingProfile : Profile
{
    public ConnectionMappingProfile()
    {
        CreateMap<ConnectionSummary, ConnectionDto>()
            .ForMember(d => d.UserId, o => o.MapFrom(s => s.PatientId))
            .ForMember(d => d.Status, o => o.MapFrom(s => PublicStatus(s.Status, s.LinkStatus)))
            .ForMember(d => d.LastSyncedAt, o => o.MapFrom(s => Timestamps.Format(s.LastSyncedAt)))
            .ForMember(d => d.CreatedAt, o => o.MapFrom(s => Timestamps.Format(s.CreatedAt)))
            .ForMember(d => d.UpdatedAt, o => o.MapFrom(s => Timestamps.Format(s.UpdatedAt)));
    }

    /// <summary>
    /// Seed 003's statuses. Junction links: disconnected → revoked, error → expired, pending and
    /// connected → active (the link exists; Junction finishes the provider side).
    /// </summary>
    public static string PublicStatus(ConnectionStatus status, LinkStatus? linkStatus)
    {
        var effective = linkStatus switch
        {
            LinkStatus.Disconnected => ConnectionStatus.Revoked,
            LinkStatus.Error => ConnectionStatus.Expired,
            _ => status,
        };
        return effective switch
        {
            ConnectionStatus.Revoked => "revoked",
            ConnectionStatus.Expired => "expired",
            _ => "active",
        };
    }
}
