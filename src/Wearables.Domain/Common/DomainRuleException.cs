namespace Wearables.Domain.Common;

/// <summary>A business rule was broken. <see cref="Code"/> is a stable machine code (e.g. <c>patient_id_invalid</c>).</summary>
public sealed class DomainRuleException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
