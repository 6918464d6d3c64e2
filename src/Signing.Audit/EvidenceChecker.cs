using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Signing.Domain;
using Signing.Verification;

namespace Signing.Audit;

/// <summary>
/// The evidence of one event, re-checked as the server judged it then: every blob it names is stored and hashes to its
/// key; a submission's CMS (over the stored form) or e-Onay confirmation, and a decision's CMS (over the stored decision
/// document, by the deciding officer), verify with the trust configuration, the revocation data stored with the event
/// (CRLs and OCSP responses, nothing else) and the event's own time. Thread-safe: one verifier per distinct set of
/// revocation data is built once and shared (its caches are the speed).
/// </summary>
internal sealed class EvidenceChecker(TrustConfiguration trust)
{
    private const int OcspSetCapacity = 4096;

    private readonly ConcurrentDictionary<string, Lazy<Verifiers>> byCrls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Verifiers>> byOcsp = new(StringComparer.Ordinal);

    private long submissions, decisions, blobs;

    public long Submissions => Interlocked.Read(ref submissions);
    public long Decisions => Interlocked.Read(ref decisions);
    public long Blobs => Interlocked.Read(ref blobs);

    /// <summary>
    /// The hash of a blob's bytes. A CRL is named by thousands of events and a source hands the same byte array to all of
    /// them, so its hash is kept per array (weakly: it goes with the array); other blobs are hashed every time.
    /// </summary>
    private string HashOf(EvidenceBlob blob)
    {
        if (blob.MediaType != EvidenceMediaTypes.Crl)
            return Convert.ToHexStringLower(SHA256.HashData(blob.Bytes));
        if (!crlHashes.TryGetValue(blob.Bytes, out var known))
            known = crlHashes.GetValue(blob.Bytes, b => new StrongBox<string>(Convert.ToHexStringLower(SHA256.HashData(b))));
        return known.Value!;
    }

    private readonly ConditionalWeakTable<byte[], StrongBox<string>> crlHashes = new();

    private sealed record Verifiers(CmsVerifier Cms, EOnayVerifier EOnay, string? Unusable, TrustConfiguration? Trust,
        IReadOnlyList<ParsedCrl> Crls);

    /// <summary>The problems of one entry's evidence (its event carries evidence: <see cref="EventFacts.Carries"/>).</summary>
    public void Check(LogEntry entry, Action<string, string> problem)
    {
        var e = entry.Event!;
        var facts = entry.Facts ?? EventFacts.Read(e.Type, e.Json);
        if (facts.Unreadable is { } why)
        {
            problem("event.json", "the event's JSON cannot be read: " + why);
            return;
        }
        if (facts.At is not { } at)
        {
            problem("event.json", "the event has no time (At)");
            return;
        }
        if (!facts.HasEvidence)
        {
            problem("evidence.absent", "the event records no evidence");
            return;
        }

        var stored = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var sha in facts.Hashes())
        {
            Interlocked.Increment(ref blobs);
            if (!entry.Evidence.TryGetValue(sha, out var blob))
                problem("evidence.missing", $"evidence {sha} is not in the store");
            else if (HashOf(blob) is var actual && actual != sha)
                problem("evidence.hash", $"evidence {sha} ({blob.MediaType}) was changed: its bytes hash to {actual}");
            else
                stored[sha] = blob.Bytes;
        }
        byte[]? Blob(string? sha) => sha is not null && stored.TryGetValue(sha, out var b) ? b : null;

        if (facts.Revocation.FirstOrDefault(r => r.Kind is not (RevocationKinds.Crl or RevocationKinds.Ocsp)) is { } other)
            problem("evidence.revocation", $"revocation evidence of kind '{other.Kind}' cannot be re-checked by this audit");
        var crls = Named(facts, RevocationKinds.Crl);
        var ocsp = Named(facts, RevocationKinds.Ocsp);
        if (crls.Concat(ocsp).Any(h => !stored.ContainsKey(h)))
            return; // its absence is reported; a verdict without the revocation data it rested on would say nothing
        var verifiers = For(crls, ocsp, stored);
        if (verifiers.Unusable is { } bad)
        {
            problem("evidence.revocation", bad);
            return;
        }

        if (facts.Type == EventFacts.Submitted)
            Submission(facts, at, verifiers, Blob, problem);
        else
            Decision(entry, facts, at, verifiers, Blob, problem);
    }

    private void Submission(EventFacts facts, DateTimeOffset at, Verifiers verifiers, Func<string?, byte[]?> blob, Action<string, string> problem)
    {
        if (facts.FormSha256 is null)
            problem("evidence.absent", "the submission's evidence names no form");
        var form = blob(facts.FormSha256);
        switch (facts.Method)
        {
            case "ESignature":
                if (facts.CmsSha256 is null || facts.ReportSha256 is null)
                {
                    problem("evidence.absent", "an e-signed submission without its CMS or validation report");
                    return;
                }
                if (blob(facts.CmsSha256) is not { } cms || form is null)
                    return;
                // The form blob is what was signed: given as the content, it must equal an attached one.
                var verdict = verifiers.Cms.Verify(cms, form, new VerificationOptions { At = at, ExpectedTckn = facts.ApplicantTckn });
                Interlocked.Increment(ref submissions);
                if (!verdict.Passed)
                    problem("evidence.cms", $"the applicant's CMS does not verify at {at:u}: {Verdict(verdict)}");
                break;
            case "EOnay":
                if (facts.EOnaySha256 is null || facts.ReportSha256 is null)
                {
                    problem("evidence.absent", "an e-Onay submission without its confirmation or validation report");
                    return;
                }
                if (blob(facts.EOnaySha256) is not { } confirmation || facts.ApplicantTckn is null)
                    return;
                var result = verifiers.EOnay.Verify(confirmation, facts.ApplicantTckn, facts.FormSha256, at);
                Interlocked.Increment(ref submissions);
                if (!result.Passed)
                    problem("evidence.eonay", $"the e-Onay confirmation does not verify at {at:u}: {Verdict(result.Verdict)}");
                break;
        }
    }

    private void Decision(LogEntry entry, EventFacts facts, DateTimeOffset at, Verifiers verifiers, Func<string?, byte[]?> blob, Action<string, string> problem)
    {
        if (facts.DocumentSha256 is null || facts.CmsSha256 is null || facts.ReportSha256 is null)
        {
            problem("evidence.absent", "a decision without its document, CMS or validation report");
            return;
        }
        if (facts.Signature is { } inline && Convert.ToHexStringLower(SHA256.HashData(inline)) != facts.CmsSha256)
            problem("evidence.decision", "the signature in the event is not the stored CMS");
        if (blob(facts.DocumentSha256) is not { } document || blob(facts.CmsSha256) is not { } cms)
            return;
        if (DocumentMismatch(document, entry.Event!, facts) is { } mismatch)
            problem("evidence.decision", mismatch);
        var verdict = verifiers.Cms.Verify(cms, document, new VerificationOptions { At = at, ExpectedTckn = facts.OfficerTckn });
        Interlocked.Increment(ref decisions);
        if (!verdict.Passed)
            problem("evidence.decision", $"the officer's CMS does not verify over the stored decision document at {at:u}: {Verdict(verdict)}");
    }

    /// <summary>The signed decision document must be about this application, by this officer, and say this decision.</summary>
    private static string? DocumentMismatch(byte[] document, StoredEvent e, EventFacts facts)
    {
        try
        {
            using var doc = JsonDocument.Parse(document);
            var root = doc.RootElement;
            string? Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var decision = e.Type == EventFacts.Approved ? "APPROVE" : "REJECT";
            if (!Guid.TryParse(Field("applicationId"), out var app) || app != e.StreamId)
                return $"the signed decision document is about application {Field("applicationId")}, not this stream";
            if (Field("decision") != decision)
                return $"the signed decision document says {Field("decision")}, the event {decision}";
            if (Field("officerTckn") != facts.OfficerTckn)
                return "the signed decision document names another officer than the event";
            return null;
        }
        catch (JsonException ex)
        {
            return "the stored decision document is not JSON: " + ex.Message;
        }
    }

    private static List<string> Named(EventFacts facts, string kind) =>
        facts.Revocation.Where(r => r.Kind == kind).Select(r => r.Sha256).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The verifiers of one set of stored revocation data. A CRL set is shared by thousands of events and kept for the
    /// whole audit; OCSP responses are mostly per signer or per submission (a nonce makes each one new), so the sets that
    /// hold some are kept only while few: past <see cref="OcspSetCapacity"/> they are dropped and built again on demand.
    /// </summary>
    private Verifiers For(IReadOnlyList<string> crlHashes, IReadOnlyList<string> ocspHashes, Dictionary<string, byte[]> stored)
    {
        var crlKey = string.Join(',', crlHashes.Order(StringComparer.Ordinal));
        var withCrls = byCrls.GetOrAdd(crlKey, _ => new Lazy<Verifiers>(() =>
        {
            try
            {
                var crls = crlHashes.Select(h => ParsedCrl.From(stored[h])).ToList();
                var trusted = trust.WithCrls(crls);
                var source = new StoredRevocation(crls, []);
                return new Verifiers(new CmsVerifier(trusted, source), new EOnayVerifier(trusted, source), null, trusted, crls);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return new Verifiers(null!, null!, "a stored CRL cannot be read: " + ex.Message, null, []);
            }
        })).Value;
        if (ocspHashes.Count == 0 || withCrls.Unusable is not null)
            return withCrls;

        var key = crlKey + "|" + string.Join(',', ocspHashes.Order(StringComparer.Ordinal));
        if (byOcsp.Count >= OcspSetCapacity)
            byOcsp.Clear();
        return byOcsp.GetOrAdd(key, _ => new Lazy<Verifiers>(() =>
        {
            try
            {
                var responses = ocspHashes.Select(h => ParsedOcspResponse.From(stored[h])).ToList();
                var source = new StoredRevocation(withCrls.Crls, responses);
                return new Verifiers(new CmsVerifier(withCrls.Trust!, source), new EOnayVerifier(withCrls.Trust!, source), null,
                    withCrls.Trust, withCrls.Crls);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return new Verifiers(null!, null!, "a stored OCSP response cannot be read: " + ex.Message, null, []);
            }
        })).Value;
    }

    private static string Verdict(Verdict v) =>
        $"{CheckpointChecker.Name(v.Indication)}/{CheckpointChecker.Name(v.SubIndication)} {v.Reason}".TrimEnd();
}
