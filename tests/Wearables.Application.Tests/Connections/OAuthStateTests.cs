using System.Buffers.Text;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Connections;
using Wearables.Application.Connections.Commands.HandleCallback;
using Wearables.Application.Tests.Pipeline;

namespace Wearables.Application.Tests.Connections;

/// <summary>OAuth states carry a MAC: the callback refuses one that cannot be ours before any store is asked.</summary>
public sealed class OAuthStateTests
{
    [Test]
    public void NewToken_IsOurs_UnderItsKey_AndNotUnderAnother()
    {
        var state = OAuthState.NewToken(PipelineHarness.StateKeys);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(state, Has.Length.EqualTo(OAuthState.Length));
            Assert.That(OAuthState.IsOurs(state, PipelineHarness.StateKeys), Is.True);
            Assert.That(OAuthState.IsOurs(state, new TestStateKeys()), Is.False);
        }
    }

    [Test]
    public void IsOurs_AcceptsAStateOfAPreviousKey_OfTheRing()
    {
        var previous = new TestStateKeys();
        var state = OAuthState.NewToken(previous);
        var rotated = new Mock<IOAuthStateKeys>();
        rotated.Setup(k => k.All).Returns([PipelineHarness.StateKeys.Active, previous.Active]);

        Assert.That(OAuthState.IsOurs(state, rotated.Object), Is.True);
    }

    [TestCase(0)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(47)]
    public void IsOurs_RefusesAStateWithOneBitChanged(int index)
    {
        var bytes = Base64Url.DecodeFromChars(OAuthState.NewToken(PipelineHarness.StateKeys));
        bytes[index] ^= 0x01;

        Assert.That(OAuthState.IsOurs(Base64Url.EncodeToString(bytes), PipelineHarness.StateKeys), Is.False);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("abc")]
    [TestCase("the-state-value-of-this-flow-0123456789abcd")]
    [TestCase("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public void IsOurs_RefusesWhatIsNotAStateOfOurs(string? state) =>
        Assert.That(OAuthState.IsOurs(state, PipelineHarness.StateKeys), Is.False);

    [Test]
    public async Task Callback_WithAForgedState_Is401StateInvalid_WithoutAStoreOperation()
    {
        using var harness = new PipelineHarness();
        var states = new Mock<IOAuthStateStore>(MockBehavior.Strict);
        harness.Services.AddSingleton(states.Object);
        var forged = OAuthState.NewToken(new TestStateKeys());

        var thrown = await Assert.ThrowsAsync<UnauthorizedException>(() => harness.SendAsync(new HandleCallbackCommand("strava", "code", forged, null, null)));

        Assert.That(thrown!.Error, Is.EqualTo("state_invalid"));
        states.VerifyNoOtherCalls();
    }
}
