using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.X509;
using Signing.Contracts.V1;
using Signing.Revocation;
using Signing.Server.Configuration;
using Signing.Tokens;
using Signing.Verification;

namespace Signing.Server.Receipts;

/// <summary>The receipt signer's hold on the server token: login, the health probe, and logging in again after the token was away.</summary>
public sealed partial class ReceiptSigner
{
    /// <summary>
    /// A real probe of the token now (not cached): logged in, and the token itself answers (<see cref="TokenSession.CheckPresent"/>).
    /// For the start-up check.
    /// </summary>
    public bool IsReady(out string? problem)
    {
        Turn.Wait();
        try
        {
            problem = Probe();
        }
        finally
        {
            Turn.Release();
        }
        return problem is null;
    }

    /// <summary>
    /// For the health check: the outcome of a real probe made at most Signing:ServerKey:HealthCacheSeconds ago (null =
    /// healthy, else the problem). A failed probe forgets the session, so the next probe (or signature) finds and logs in
    /// to the token afresh: health comes back by itself once the token is back.
    /// </summary>
    public async Task<string?> ProbeAsync(CancellationToken ct = default)
    {
        await _probeGate.WaitAsync(ct);
        try
        {
            if (_lastProbe is { } last && _clock.GetElapsedTime(last.At) < _healthCache)
                return last.Problem;
            await Turn.WaitAsync(ct);
            string? problem;
            try
            {
                problem = Probe();
            }
            finally
            {
                Turn.Release();
            }
            _lastProbe = (_clock.GetTimestamp(), problem);
            return problem;
        }
        finally
        {
            _probeGate.Release();
        }
    }

    /// <summary>Under <see cref="Turn"/>.</summary>
    private string? Probe()
    {
        try
        {
            Signer().Session.CheckPresent();
            return null;
        }
        catch (Exception e) when (e is TokenException or Net.Pkcs11Interop.Common.Pkcs11Exception)
        {
            Forget();
            _logger?.LogWarning("server token {Token} is not usable: {Problem}", _label, e.Message);
            return e.Message;
        }
    }

    /// <summary>Logs out of and forgets the cached session (under <see cref="Turn"/>): the next use logs in again.</summary>
    private void Forget()
    {
        if (!Sessions.TryRemove(_label, out var lazy) || !lazy.IsValueCreated)
            return;
        try
        {
            lazy.Value.Session.Dispose();
        }
        catch (Exception e) when (e is TokenException or Net.Pkcs11Interop.Common.Pkcs11Exception or ObjectDisposedException)
        {
            // The token is gone; its session goes with it.
        }
    }

    /// <summary>Under <see cref="Turn"/>.</summary>
    private (TokenSession Session, CadesSigner Signer) Signer()
    {
        try
        {
            return LoggedIn();
        }
        catch (TokenException e) when (e.Kind is TokenErrorKind.NoToken or TokenErrorKind.TokenRemoved && MayReinitialize())
        {
            // A token that went away and came back is seen again only by a module initialised anew (SoftHSM; see
            // Pkcs11Module.Reinitialize). Nothing else of this process is logged in to it: the session was forgotten.
            if (!Pkcs11Module.Load().Reinitialize())
                throw;
            return LoggedIn();
        }
    }

    private static bool MayReinitialize()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastReinitialize);
        return now - last >= (long)ReinitializeEvery.TotalMilliseconds && Interlocked.CompareExchange(ref _lastReinitialize, now, last) == last;
    }

    private (TokenSession Session, CadesSigner Signer) LoggedIn()
    {
        var lazy = Sessions.GetOrAdd(_label, label => new Lazy<(TokenSession, CadesSigner)>(() =>
        {
            var session = Pkcs11Module.Load().Login(label, PinSources.FromEnvironment(_pinVariable), new TokenOptions { SignWithSessionCopy = true });
            try
            {
                var key = session.GetSigningKey();
                return (session, new CadesSigner(key, new CadesOptions { ExtraCertificates = IssuersOf(key.Certificate, _chain) }));
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed login (token absent, PIN not set) must not be cached for ever: the next call tries again.
            Sessions.TryRemove(new KeyValuePair<string, Lazy<(TokenSession, CadesSigner)>>(_label, lazy));
            throw;
        }
    }
}
