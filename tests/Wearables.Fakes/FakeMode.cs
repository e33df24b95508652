namespace Wearables.Fakes;

/// <summary>How a fake answers its token and API endpoints (consent pages are never affected).</summary>
public enum FakeMode
{
    Normal,

    /// <summary>Waits <see cref="FakeServer.SlowDelay"/> (or until the client gives up) before answering normally.</summary>
    Slow,

    /// <summary>Answers 500 with a short plain-text body.</summary>
    ServerError,

    /// <summary>Answers 200 <c>text/plain</c> "&lt;html&gt;oops", which is not JSON.</summary>
    Garbage,

    /// <summary>Answers 429 with <c>Retry-After</c> set to <see cref="FakeServer.RetryAfter"/> (whole seconds).</summary>
    TooManyRequests,
}
