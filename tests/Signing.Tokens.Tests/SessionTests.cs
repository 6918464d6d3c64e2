using System.Text;
using Net.Pkcs11Interop.Common;

namespace Signing.Tokens.Tests;

[Collection(TokenCollection.Name)]
public sealed class SessionTests(TokenWorld world)
{
    [Fact]
    public void Sixteen_concurrent_signers_on_one_token_all_succeed()
    {
        var persona = world.Persona("server-mersin");
        using var session = world.Login("server-mersin");
        var signer = new CadesSigner(session.GetSigningKey());
        const int Signers = 16, PerSigner = 4;
        using var start = new Barrier(Signers);
        var results = new byte[Signers * PerSigner][];
        var threads = Enumerable.Range(0, Signers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (var j = 0; j < PerSigner; j++)
                results[i * PerSigner + j] = signer.Sign(Encoding.UTF8.GetBytes($"receipt {i}/{j}"), detached: false);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (var i = 0; i < results.Length; i++)
        {
            Assert.NotNull(results[i]);
            TokenWorld.BouncyCastleVerify(results[i], null);
            var content = TokenWorld.ContentOf(results[i]);
            Assert.Equal($"receipt {i / PerSigner}/{i % PerSigner}", Encoding.UTF8.GetString(content));
        }
        Assert.Equal(0, session.Reopens); // one login served them all
        var (exit, output) = world.OpenSslVerify(persona, results[^1], null, "concurrent");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void A_lost_session_is_reopened_and_logged_in_again_from_the_PIN_source()
    {
        var persona = world.Persona("officer-mersin-1");
        var pin = new CountingPinSource(persona.UserPin);
        using var session = world.Module.Login(persona.TokenLabel, pin);
        var key = session.GetSigningKey();
        key.Sign("before"u8.ToArray());

        // What a pulled-out card leaves behind: every session handle invalid, the login gone.
        SimulateRemoveAndReinsert(persona.TokenLabel);

        var signature = key.Sign("after"u8.ToArray());
        Assert.NotEmpty(signature);
        Assert.Equal(1, session.Reopens);
        Assert.Equal([false, true], pin.Requests.Select(r => r.Relogin));
        // And it keeps signing on the new session.
        TokenWorld.BouncyCastleVerify(new CadesSigner(key).Sign("again"u8.ToArray(), false), null);
    }

    [Fact]
    public void A_lost_session_whose_PIN_is_no_longer_available_fails_typed_and_recovers_later()
    {
        var persona = world.Persona("officer-mersin-1");
        var pin = new CountingPinSource(persona.UserPin);
        using var session = world.Module.Login(persona.TokenLabel, pin);
        var key = session.GetSigningKey();
        SimulateRemoveAndReinsert(persona.TokenLabel);

        pin.Available = false;
        Assert.Throws<PinNotProvidedException>(() => key.Sign("x"u8.ToArray()));
        pin.Available = true;
        Assert.NotEmpty(key.Sign("x"u8.ToArray()));
    }

    [Fact]
    public void A_disposed_session_refuses_to_sign()
    {
        var session = world.Login("manager");
        var key = session.GetSigningKey();
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign("x"u8.ToArray()));
    }

    private void SimulateRemoveAndReinsert(string label)
    {
        var (slot, _) = world.Module.FindSlot(label);
        slot.CloseAllSessions();
    }

    private sealed class CountingPinSource(string pin) : IPinSource
    {
        public List<PinRequest> Requests { get; } = [];
        public bool Available { get; set; } = true;

        public byte[]? GetPin(PinRequest request)
        {
            Requests.Add(request);
            return Available ? Encoding.UTF8.GetBytes(pin) : null;
        }
    }
}
