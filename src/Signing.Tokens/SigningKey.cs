using System.Formats.Asn1;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace Signing.Tokens;

/// <summary>
/// A certificate and its private key on a logged-in token. Thread-safe (signing goes through the session's lock).
/// The private key handle is cached per session generation and looked up again after a re-open.
/// </summary>
public sealed class SigningKey
{
    private (int Generation, IObjectHandle? Handle) _handle = (-1, null);

    public TokenSession Token { get; }
    public TokenCertificate Entry { get; }
    public X509Certificate Certificate => Entry.Certificate;
    public KeyAlgorithm Algorithm => Entry.KeyAlgorithm;
    public SignatureScheme DefaultScheme => SignatureScheme.DefaultFor(Algorithm);

    internal SigningKey(TokenSession token, TokenCertificate entry)
    {
        Token = token;
        Entry = entry;
    }

    /// <summary>A BouncyCastle signature factory whose signatures are made by the token (for CMS builders).</summary>
    public ISignatureFactory SignatureFactory(SignatureScheme? scheme = null) =>
        new TokenSignatureFactory(this, scheme ?? DefaultScheme);

    /// <summary>
    /// Signs <paramref name="data"/> (the whole message; it is hashed by the token or on the host, whichever the token
    /// supports). Returns PKCS#1 v1.5 / PSS signature bytes for RSA, a DER ECDSA-Sig-Value for EC.
    /// </summary>
    public byte[] Sign(byte[] data, SignatureScheme? scheme = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = scheme ?? DefaultScheme;
        CheckScheme(s);
        return Token.Run("sign", (session, generation) =>
        {
            var key = ResolveKey(session, generation);
            var plan = Plan(s, data, Token.Mechanisms);
            using var mechanism = plan.Params is null
                ? session.Factories.MechanismFactory.Create(plan.Mechanism)
                : session.Factories.MechanismFactory.Create(plan.Mechanism, plan.Params);
            var signature = session.Sign(mechanism, key, plan.Input);
            return s.Kind == SignatureKind.Ecdsa ? EcdsaRawToDer(signature) : signature;
        });
    }

    private void CheckScheme(SignatureScheme s)
    {
        var ok = Algorithm == KeyAlgorithm.Ec ? s.Kind == SignatureKind.Ecdsa : s.Kind != SignatureKind.Ecdsa;
        if (!ok)
            throw new MechanismNotSupportedException($"a {Entry.KeyDescription} key cannot sign {s}");
    }

    private IObjectHandle ResolveKey(ISession session, int generation)
    {
        var cached = _handle;
        if (cached.Generation == generation && cached.Handle is not null)
            return cached.Handle;
        if (!Token.Options.SignWithSessionCopy)
        {
            var tokenKey = TokenObjects.FindPrivateKey(session, Entry.Id) ?? throw new NoPrivateKeyException(Token.Label, Entry.IdHex);
            _handle = (generation, tokenKey);
            return tokenKey;
        }

        // One copy per key and session generation, shared with other SigningKeys of the same session; a refusal is
        // remembered the same way, so the token is asked once per session and not on every signature.
        var shared = Token.KeyHandles(generation);
        if (!shared.TryGetValue(Entry.IdHex, out var handle))
        {
            var source = TokenObjects.FindPrivateKey(session, Entry.Id)
                         ?? throw new NoPrivateKeyException(Token.Label, Entry.IdHex);
            handle = CopyToSession(session, source) ?? source;
            shared[Entry.IdHex] = handle;
        }
        _handle = (generation, handle);
        return handle;
    }

    /// <summary>C_CopyObject with CKA_TOKEN=false; null when the token refuses (CKA_COPYABLE false, no C_CopyObject…).</summary>
    private IObjectHandle? CopyToSession(ISession session, IObjectHandle tokenKey)
    {
        Token.SessionCopyAttempts++;
        try
        {
            return session.CopyObject(tokenKey, [session.Factories.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, false)]);
        }
        catch (Pkcs11Exception e) when (!Pkcs11Errors.IsSessionLost(e.RV))
        {
            // A refusal: the token object signs just as well, only slower. A lost session is not a refusal: it goes
            // up to TokenSession.Run, which re-opens and lets the next generation copy again.
            return null;
        }
    }

    private readonly record struct MechanismPlan(CKM Mechanism, byte[] Input, Net.Pkcs11Interop.HighLevelAPI.MechanismParams.IMechanismParams? Params);

    /// <summary>Picks the mechanism: the token's hashed one when offered (and allowed), else host hashing over the raw one.</summary>
    private MechanismPlan Plan(SignatureScheme s, byte[] data, IReadOnlySet<CKM> offered)
    {
        var hostHashOnly = Token.Options.ForceHostHashing;
        var factories = Token.Module.Library.Factories;
        switch (s.Kind)
        {
            case SignatureKind.RsaPkcs1:
            {
                var hashed = s.Hash.Name switch
                {
                    "SHA256" => CKM.CKM_SHA256_RSA_PKCS,
                    "SHA384" => CKM.CKM_SHA384_RSA_PKCS,
                    _ => CKM.CKM_SHA512_RSA_PKCS,
                };
                if (!hostHashOnly && offered.Contains(hashed))
                    return new(hashed, data, null);
                if (offered.Contains(CKM.CKM_RSA_PKCS))
                    return new(CKM.CKM_RSA_PKCS, DigestInfo(s, s.HashData(data)), null);
                throw new MechanismNotSupportedException($"token '{Token.Label}' offers neither {hashed} nor CKM_RSA_PKCS");
            }
            case SignatureKind.RsaPss:
            {
                var (hashed, hashMech, mgf) = s.Hash.Name switch
                {
                    "SHA256" => (CKM.CKM_SHA256_RSA_PKCS_PSS, CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256),
                    "SHA384" => (CKM.CKM_SHA384_RSA_PKCS_PSS, CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384),
                    _ => (CKM.CKM_SHA512_RSA_PKCS_PSS, CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512),
                };
                var pss = factories.MechanismParamsFactory.CreateCkRsaPkcsPssParams(
                    ConvertUtils.UInt64FromCKM(hashMech), ConvertUtils.UInt64FromCKG(mgf), (ulong)s.HashLength);
                if (!hostHashOnly && offered.Contains(hashed))
                    return new(hashed, data, pss);
                if (offered.Contains(CKM.CKM_RSA_PKCS_PSS))
                    return new(CKM.CKM_RSA_PKCS_PSS, s.HashData(data), pss);
                throw new MechanismNotSupportedException($"token '{Token.Label}' offers neither {hashed} nor CKM_RSA_PKCS_PSS");
            }
            default:
            {
                // Hash on the host and sign with CKM_ECDSA: SoftHSM 2.6.1 and many cards have no CKM_ECDSA_SHA256.
                if (offered.Contains(CKM.CKM_ECDSA))
                    return new(CKM.CKM_ECDSA, s.HashData(data), null);
                throw new MechanismNotSupportedException($"token '{Token.Label}' does not offer CKM_ECDSA");
            }
        }
    }

    /// <summary>DER DigestInfo (RFC 8017 §9.2) built on the host, for cards that only offer raw CKM_RSA_PKCS.</summary>
    internal static byte[] DigestInfo(SignatureScheme s, byte[] hash)
    {
        var oid = s.Hash.Name switch
        {
            "SHA256" => NistObjectIdentifiers.IdSha256,
            "SHA384" => NistObjectIdentifiers.IdSha384,
            _ => NistObjectIdentifiers.IdSha512,
        };
        return new DigestInfo(new AlgorithmIdentifier(oid, DerNull.Instance), hash).GetDerEncoded();
    }

    /// <summary>PKCS#11 returns ECDSA as r‖s (two equal halves); CMS and X.509 want SEQUENCE { r INTEGER, s INTEGER }.</summary>
    internal static byte[] EcdsaRawToDer(byte[] raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0)
            throw new TokenException(TokenErrorKind.Pkcs11Failure, $"unexpected ECDSA signature length {raw.Length}");
        var half = raw.Length / 2;
        // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3). The halves are unsigned big-endian
        // with the curve's fixed width; DER wants them minimal, so leading zero bytes go (AsnWriter refuses them) and
        // WriteIntegerUnsigned adds the 0x00 a high first bit needs: the same bytes as BouncyCastle's DerInteger.
        var writer = new AsnWriter(AsnEncodingRules.DER, raw.Length + 16);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(0, half)));
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(half, half)));
        }
        return writer.Encode();

        static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> unsigned)
        {
            var zeros = unsigned.IndexOfAnyExcept((byte)0);
            // All zero is the INTEGER 0: one 0x00 byte.
            return zeros < 0 ? unsigned[^1..] : unsigned[zeros..];
        }
    }
}
