using Wearables.Domain.Common;
using Wearables.Domain.Connections;

namespace Wearables.Domain.Tests;

public sealed class ConnectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 10, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public void IdFor_IsDeterministic()
    {
        var first = Connection.IdFor("proj", "patient-1", "strava");
        var second = Connection.IdFor("proj", "patient-1", "strava");

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void IdFor_DiffersPerProjectPatientAndProvider()
    {
        var ids = new[]
        {
            Connection.IdFor("proj", "patient-1", "strava"),
            Connection.IdFor("proj2", "patient-1", "strava"),
            Connection.IdFor("proj", "patient-2", "strava"),
            Connection.IdFor("proj", "patient-1", "polar"),

            // Field boundaries are unambiguous: moving characters between fields changes the id.
            Connection.IdFor("proj-p", "atient-1", "strava"),
        };

        Assert.That(ids, Is.Unique);
    }

    [TestCase("proj", "patient-1", "strava")]
    [TestCase("a", "b", "c")]
    [TestCase("Project.With-64-chars-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "p", "apple_health_kit")]
    public void IdFor_IsAVersion8RfcVariantUuid(string project, string patient, string provider)
    {
        var text = Connection.IdFor(project, patient, provider).ToString("D");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text[14], Is.EqualTo('8'), $"version nibble of {text}");
            Assert.That(text[19], Is.AnyOf('8', '9', 'a', 'b'), $"variant nibble of {text}");
        }
    }

    [Test]
    public void Create_UsesTheDerivedIdAndStartsActive()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Id, Is.EqualTo(Connection.IdFor("proj", "patient-1", "strava")));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.CreatedAt, Is.EqualTo(T0));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.Version, Is.Null);
        }
    }

    [TestCase("")]
    [TestCase("has space")]
    [TestCase("slash/id")]
    [TestCase("under_score")]
    [TestCase("ünïcode")]
    [TestCase("x\n")]
    [TestCase("ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp")]
    public void Create_WithInvalidPatientId_ThrowsPatientIdInvalid(string patientId)
    {
        var ex = Assert.Throws<DomainRuleException>(() => Connection.Create("proj", patientId, "strava", ConnectionSource.OAuth, T0));

        Assert.That(ex.Code, Is.EqualTo("patient_id_invalid"));
    }

    [Test]
    public void Create_WithNullPatientId_ThrowsPatientIdInvalid()
    {
        var ex = Assert.Throws<DomainRuleException>(() => Connection.Create("proj", null!, "strava", ConnectionSource.OAuth, T0));

        Assert.That(ex.Code, Is.EqualTo("patient_id_invalid"));
    }

    [TestCase("proj", "Strava", "provider_invalid")]
    [TestCase("proj", "", "provider_invalid")]
    [TestCase("bad project", "strava", "project_id_invalid")]
    public void Create_WithInvalidProjectOrProvider_Throws(string project, string provider, string code)
    {
        var ex = Assert.Throws<DomainRuleException>(() => Connection.Create(project, "patient-1", provider, ConnectionSource.OAuth, T0));

        Assert.That(ex.Code, Is.EqualTo(code));
    }

    [Test]
    public void Authorize_StoresTheGrantAndActivates()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        var grant = new OAuthGrant("wv1.k1.access", "wv1.k1.refresh", T0.AddHours(6), "read", "athlete-9", "runner");

        connection.Authorize(grant, "https://www.strava.com/api/v3", T0.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.Source, Is.EqualTo(ConnectionSource.OAuth));
            Assert.That(connection.AccessTokenEnvelope, Is.EqualTo("wv1.k1.access"));
            Assert.That(connection.RefreshTokenEnvelope, Is.EqualTo("wv1.k1.refresh"));
            Assert.That(connection.TokenExpiresAt, Is.EqualTo(T0.AddHours(6)));
            Assert.That(connection.ProviderUserId, Is.EqualTo("athlete-9"));
            Assert.That(connection.ProviderUsername, Is.EqualTo("runner"));
            Assert.That(connection.Scope, Is.EqualTo("read"));
            Assert.That(connection.Address, Is.EqualTo("https://www.strava.com/api/v3"));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0.AddMinutes(1)));
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddMinutes(1)));
            Assert.That(connection.CreatedAt, Is.EqualTo(T0));
        }
    }

    [Test]
    public void Authorize_AfterRevoke_ReactivatesAndKeepsKnownUserWhenGrantHasNone()
    {
        // Revoked as a store restores it: tokens gone, who it was still known.
        var connection = Connection.Restore(Stored("strava", ConnectionSource.OAuth, ConnectionStatus.Revoked) with
        {
            ProviderUserId = "athlete-9", ProviderUsername = "runner", Scope = "read",
        });

        connection.Authorize(new OAuthGrant("a2", null, null, null, null, null), "https://api", T0.AddDays(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.AccessTokenEnvelope, Is.EqualTo("a2"));
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(connection.ProviderUserId, Is.EqualTo("athlete-9"));
            Assert.That(connection.ProviderUsername, Is.EqualTo("runner"));
            Assert.That(connection.Scope, Is.EqualTo("read"));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0.AddDays(2)));
        }
    }

    [Test]
    public void LinkThroughJunction_DropsOwnTokensAndRecordsJunctionUser()
    {
        var connection = Connection.Create("proj", "patient-1", "oura", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("a1", "r1", T0.AddHours(1), "x", "u", null), "https://api", T0);

        connection.LinkThroughJunction("junction-user-1", LinkStatus.Pending, "https://api.tryvital.io", T0.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Source, Is.EqualTo(ConnectionSource.Junction));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.LinkStatus, Is.EqualTo(LinkStatus.Pending));
            Assert.That(connection.ProviderUserId, Is.EqualTo("junction-user-1"));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(connection.TokenExpiresAt, Is.Null);
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0.AddHours(1)));
        }
    }

    [Test]
    public void LinkThroughJunction_RepeatedForTheSameUser_KeepsConnectedAt_UpdatesStatus()
    {
        var connection = Connection.Create("proj", "patient-1", "oura", ConnectionSource.Junction, T0);
        connection.LinkThroughJunction("junction-user-1", LinkStatus.Pending, "https://api.tryvital.io", T0);

        connection.LinkThroughJunction("junction-user-1", LinkStatus.Connected, "https://api.tryvital.io", T0.AddHours(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0));
            Assert.That(connection.LinkStatus, Is.EqualTo(LinkStatus.Connected));
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddHours(2)));
        }
    }

    [Test]
    public void LinkThroughJunction_AfterRevoke_StartsANewConnectionPeriod()
    {
        var connection = Connection.Restore(Stored("oura", ConnectionSource.Junction, ConnectionStatus.Revoked) with
        {
            LinkStatus = LinkStatus.Connected, ProviderUserId = "junction-user-1",
        });

        connection.LinkThroughJunction("junction-user-1", LinkStatus.Connected, "https://api.tryvital.io", T0.AddHours(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0.AddHours(2)));
        }
    }

    [TestCase("")]
    [TestCase("   ")]
    public void LinkThroughJunction_WithBlankUser_Throws(string junctionUser)
    {
        var connection = Connection.Create("proj", "patient-1", "oura", ConnectionSource.Junction, T0);

        var ex = Assert.Throws<DomainRuleException>(() => connection.LinkThroughJunction(junctionUser, LinkStatus.Connected, "https://x", T0));

        Assert.That(ex.Code, Is.EqualTo("junction_user_invalid"));
    }

    [Test]
    public void Restore_KeepsEveryStoredField()
    {
        var stored = new ConnectionSnapshot(
            Connection.IdFor("proj", "patient-1", "strava"), "proj", "patient-1", "strava", ConnectionSource.OAuth, ConnectionStatus.Expired,
            LinkStatus.Error, "athlete-9", "runner", "read", "https://api", "a1", "r1", T0.AddHours(6), T0.AddHours(1), T0.AddMinutes(5),
            T0, T0.AddHours(2), "3");

        var restored = Connection.Restore(stored);

        using (Assert.EnterMultipleScope())
        {
            foreach (var field in typeof(ConnectionSnapshot).GetProperties().Where(p => p.DeclaringType == typeof(ConnectionSnapshot) && p.Name != "EqualityContract"))
            {
                Assert.That(typeof(Connection).GetProperty(field.Name)!.GetValue(restored), Is.EqualTo(field.GetValue(stored)), field.Name);
            }
        }
    }

    [Test]
    public void ToString_DoesNotContainTokenEnvelopes()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.ACCESS", "wv1.k1.REFRESH", null, null, null, null), "https://api", T0);
        var stored = Stored("strava", ConnectionSource.OAuth, ConnectionStatus.Active) with { AccessTokenEnvelope = "wv1.k1.ACCESS", RefreshTokenEnvelope = "wv1.k1.REFRESH" };

        Assert.That(connection + " " + stored, Does.Not.Contain("ACCESS").And.Not.Contain("REFRESH"));
    }

    [Test]
    public void Revoke_WipesTheTokensAndAnswersWhatItHeld()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.access", "wv1.k1.refresh", T0.AddHours(6), "read", "athlete-9", "runner"), "https://api", T0);

        var revoked = connection.Revoke(T0.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(revoked, Is.EqualTo(new RevokedTokens("wv1.k1.access", "wv1.k1.refresh", T0.AddHours(6))));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(connection.TokenExpiresAt, Is.Null);
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddHours(1)));
            Assert.That(connection.ProviderUserId, Is.EqualTo("athlete-9"), "who it was stays known");
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0));
            Assert.That(revoked!.ToString(), Does.Not.Contain("wv1"));
        }
    }

    [Test]
    public void Revoke_Repeated_ChangesNothingAndHasNothingToRevoke()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.access", null, null, null, null, null), "https://api", T0);
        connection.Revoke(T0.AddHours(1));

        var again = connection.Revoke(T0.AddHours(2));

        Assert.That(again, Is.Null);
        Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddHours(1)));
    }

    [Test]
    public void Revoke_JunctionLink_IsDisconnectedWithNoTokens_AndALaterLinkReactivates()
    {
        var connection = Connection.Create("proj", "patient-1", "oura", ConnectionSource.Junction, T0);
        connection.LinkThroughJunction("junction-user", LinkStatus.Error, "https://api.junction", T0);

        var revoked = connection.Revoke(T0.AddHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(revoked, Is.EqualTo(new RevokedTokens(null, null, null)));
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Revoked));
            Assert.That(connection.LinkStatus, Is.EqualTo(LinkStatus.Disconnected), "Junction's last word (error) no longer applies");
        }

        connection.LinkThroughJunction("junction-user", LinkStatus.Connected, "https://api.junction", T0.AddHours(2));
        Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
    }

    [Test]
    public void Authorize_AfterRevoke_ReactivatesWithTheNewTokens()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.old", null, null, null, "athlete-9", null), "https://api", T0);
        connection.Revoke(T0.AddHours(1));

        connection.Authorize(new OAuthGrant("wv1.k1.new", "wv1.k1.refresh", T0.AddHours(8), null, "athlete-9", null), "https://api", T0.AddHours(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
            Assert.That(connection.AccessTokenEnvelope, Is.EqualTo("wv1.k1.new"));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0.AddHours(2)));
        }
    }

    [Test]
    public void Refreshed_ReplacesTheAccessToken_AndKeepsTheRefreshTokenWhenNoNewOneCame()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("a1", "r1", T0.AddHours(6), "read", "u", "name"), "https://api", T0);

        connection.Refreshed(new OAuthGrant("a2", null, T0.AddHours(12), null, null, null), T0.AddHours(6));
        Assert.Multiple(() =>
        {
            Assert.That(connection.AccessTokenEnvelope, Is.EqualTo("a2"));
            Assert.That(connection.RefreshTokenEnvelope, Is.EqualTo("r1"), "an answer without a refresh token keeps the stored one");
            Assert.That(connection.TokenExpiresAt, Is.EqualTo(T0.AddHours(12)));
            Assert.That(connection.Scope, Is.EqualTo("read"));
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddHours(6)));
            Assert.That(connection.ConnectedAt, Is.EqualTo(T0), "a refresh is no new connection period");
        });

        connection.Refreshed(new OAuthGrant("a3", "r2", T0.AddHours(18), null, null, null), T0.AddHours(12));
        Assert.That(connection.RefreshTokenEnvelope, Is.EqualTo("r2"), "a rotated refresh token replaces the old one");
    }

    [TestCase(ConnectionStatus.Revoked)]
    [TestCase(ConnectionStatus.Expired)]
    public void Refreshed_OnAConnectionThatIsNotActive_IsRefused(ConnectionStatus status)
    {
        var connection = Connection.Restore(Stored("strava", ConnectionSource.OAuth, status));

        var refused = Assert.Throws<DomainRuleException>(() => connection.Refreshed(new OAuthGrant("a", "r", null, null, null, null), T0.AddDays(2)));
        Assert.That(refused!.Code, Is.EqualTo("connection_not_active"));
        Assert.That(connection.AccessTokenEnvelope, Is.Null);
    }

    [Test]
    public void MarkExpired_DropsTheTokens_AndAReconnectActivatesAgain()
    {
        var connection = Connection.Create("proj", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("a1", "r1", T0.AddHours(6), "read", "u", null), "https://api", T0);

        connection.MarkExpired(T0.AddDays(1));
        Assert.Multiple(() =>
        {
            Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Expired));
            Assert.That(connection.AccessTokenEnvelope, Is.Null);
            Assert.That(connection.RefreshTokenEnvelope, Is.Null);
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddDays(1)));
        });

        connection.Authorize(new OAuthGrant("a2", "r2", T0.AddDays(2), null, null, null), "https://api", T0.AddDays(2));
        Assert.That(connection.Status, Is.EqualTo(ConnectionStatus.Active));
    }

    [Test]
    public void ChangeScope_ReplacesTheGrantedScope_CountsAsAnEvent_AndOnlyOnAnActiveConnection()
    {
        var connection = Connection.Create("proj", "patient-1", "garmin", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.access", "wv1.k1.refresh", T0.AddHours(24), "ACTIVITY_EXPORT", "g-1", null), "https://apis.garmin.com", T0);

        var changed = connection.ChangeScope("ACTIVITY_EXPORT HEALTH_EXPORT", T0.AddMinutes(1), T0.AddMinutes(2));
        var again = connection.ChangeScope("ACTIVITY_EXPORT HEALTH_EXPORT", T0.AddMinutes(1), T0.AddMinutes(3));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((changed, again), Is.EqualTo((true, false)), "the same change again changes nothing");
            Assert.That(connection.Scope, Is.EqualTo("ACTIVITY_EXPORT HEALTH_EXPORT"));
            Assert.That(connection.LastEventAt, Is.EqualTo(T0.AddMinutes(1)));
            Assert.That(connection.UpdatedAt, Is.EqualTo(T0.AddMinutes(2)));
            Assert.That(connection.AccessTokenEnvelope, Is.EqualTo("wv1.k1.access"), "the tokens stay");
            Assert.Throws<DomainRuleException>(() => connection.ChangeScope(" ", T0, T0));
        }

        connection.Revoke(T0.AddMinutes(4));
        Assert.That((connection.ChangeScope("HEALTH_EXPORT", T0.AddMinutes(5), T0.AddMinutes(5)), connection.Scope), Is.EqualTo((false, "ACTIVITY_EXPORT HEALTH_EXPORT")), "a revoked connection takes no change");
    }

    /// <summary>A stored connection of project "proj", patient "patient-1", made at T0, with no tokens.</summary>
    [Test]
    public void ToSnapshot_IsWhatRestoreRebuildsTheSameConnectionFrom()
    {
        var connection = Connection.Create("project-a", "patient-1", "strava", ConnectionSource.OAuth, T0);
        connection.Authorize(new OAuthGrant("wv1.k1.access", "wv1.k1.refresh", T0.AddHours(6), "read", "athlete-9", "runner"), "https://www.strava.com/api/v3", T0.AddMinutes(1));
        connection.RecordEvent(T0.AddMinutes(5), T0.AddMinutes(6));
        connection.SetVersion("7");

        var snapshot = connection.ToSnapshot();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Connection.Restore(snapshot).ToSnapshot(), Is.EqualTo(snapshot));
            Assert.That(snapshot.ProviderUserId, Is.EqualTo("athlete-9"));
            Assert.That(snapshot.LastEventAt, Is.EqualTo(T0.AddMinutes(5)));
            Assert.That(snapshot.Version, Is.EqualTo("7"));
            Assert.That(snapshot.RefreshTokenEnvelope, Is.EqualTo("wv1.k1.refresh"));
        }
    }

    private static ConnectionSnapshot Stored(string provider, ConnectionSource source, ConnectionStatus status) => new(
        Connection.IdFor("proj", "patient-1", provider), "proj", "patient-1", provider, source, status,
        null, null, null, null, "https://api", null, null, null, null, T0, T0, T0.AddDays(1), null);
}
