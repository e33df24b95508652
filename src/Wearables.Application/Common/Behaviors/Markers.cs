namespace Wearables.Application.Common.Behaviors;

/// <summary>A request about one provider of the catalog: an unknown slug is a 404 before anything else runs.</summary>
public interface IProviderRequest
{
    string Provider { get; }
}

/// <summary>A request on behalf of one patient: a patient caller may only name itself (else 403).</summary>
public interface IPatientScopedRequest
{
    string? PatientId { get; }
}

/// <summary>Validation failures of this request are 400 (its contract says so) instead of 422.</summary>
public interface IReportsValidationAsBadRequest
{
}
