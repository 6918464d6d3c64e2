using System.Threading.Channels;
using Npgsql;
using Signing.Domain;

namespace Signing.Audit;

/// <summary>The evidence stage of <see cref="DatabaseSource"/>: the blobs each batch's events name, on a connection of its own.</summary>
public sealed partial class DatabaseSource
{
    /// <summary>Fetches the blobs each batch's events name; CRLs (few, named by many events) are read once and kept.</summary>
    private void AttachEvidence(ChannelReader<List<LogEntry>> input, ChannelWriter<List<LogEntry>> writer, CancellationToken ct)
    {
        using var conn = new NpgsqlConnection(connection);
        conn.Open();
        using var cmd = new NpgsqlCommand($"select sha256, media_type, bytes from {schema}.evidence where sha256 = any(@h)", conn);
        var hashes = new NpgsqlParameter<string[]>("h", Array.Empty<string>());
        cmd.Parameters.Add(hashes);
        var kept = new Dictionary<string, EvidenceBlob>(StringComparer.Ordinal);
        foreach (var list in DrainBatches(input, ct))
        {
            var named = new List<(int Index, EventFacts Facts, string[] Hashes)>();
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Event is not { } e || !EventFacts.Carries(e.Type))
                    continue;
                var facts = EventFacts.Read(e.Type, e.Json);
                var refs = facts.Hashes().ToArray();
                named.Add((i, facts, refs));
                wanted.UnionWith(refs.Where(h => !kept.ContainsKey(h)));
            }
            var found = new Dictionary<string, EvidenceBlob>(StringComparer.Ordinal);
            if (wanted.Count > 0)
            {
                hashes.TypedValue = wanted.ToArray();
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    var blob = new EvidenceBlob(r.GetString(0), r.GetString(1), (byte[])r[2]);
                    found[blob.Sha256] = blob;
                    if (blob.MediaType == EvidenceMediaTypes.Crl)
                        kept[blob.Sha256] = blob;
                }
            }
            foreach (var (index, facts, refs) in named)
            {
                var evidence = new Dictionary<string, EvidenceBlob>(refs.Length, StringComparer.Ordinal);
                foreach (var h in refs)
                    if (found.TryGetValue(h, out var b) || kept.TryGetValue(h, out b))
                        evidence[h] = b;
                list[index] = list[index] with { Evidence = evidence, Facts = facts };
            }
            Put(writer, list, ct);
        }
    }
}
