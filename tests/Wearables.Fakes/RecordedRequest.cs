namespace Wearables.Fakes;

/// <summary>One request as a fake received it, before any <see cref="FakeMode"/> took effect.</summary>
/// <param name="Query">Parsed query string; repeated keys are joined with commas.</param>
/// <param name="Headers">Request headers, case-insensitive names; repeated values are joined with commas.</param>
/// <param name="Form">Parsed body when it was <c>application/x-www-form-urlencoded</c>, otherwise empty.</param>
/// <param name="Body">Raw body as UTF-8 text (empty when there was none).</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Form,
    string Body,
    DateTimeOffset ReceivedAt)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
