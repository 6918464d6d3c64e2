namespace Signing.Audit.Tests;

/// <summary>The log checks on a log built in memory, tampered with the way an owner of the tables could.</summary>
public sealed class TreeWalkTests
{
    [Fact]
    public void An_untouched_log_sealed_by_its_checkpoints_holds()
    {
        var log = SyntheticLog.With(9, 0, 1, 4, 7, 9);
        Assert.Empty(log.Walk());
    }

    [Fact]
    public void A_changed_byte_of_an_event_is_named_by_stream_and_version_and_breaks_the_later_checkpoints()
    {
        var log = SyntheticLog.With(9, 4, 9);
        var e = log.Events[5];
        log.Events[5] = e with { Json = e.Json.Replace("\"Copies\": 2", "\"Copies\": 3") };
        var problems = log.Walk();
        var leaf = Assert.Single(problems, p => p.Code == "leaf.hash");
        Assert.Equal((e.StreamId, e.Version, 5L), (leaf.StreamId!.Value, leaf.Version!.Value, leaf.LeafIndex!.Value));
        Assert.Contains($"stream {e.StreamId} version {e.Version}", leaf.ToString());
        Assert.Equal(9L, Assert.Single(problems, p => p.Code == "checkpoint.root").CheckpointSize);
    }

    [Fact]
    public void A_changed_event_under_a_v1_leaf_is_named_as_under_a_v2_one()
    {
        var log = SyntheticLog.WithV1(9, 6, 4, 9);
        foreach (var at in new[] { 2, 7 })
        {
            var copy = SyntheticLog.WithV1(9, 6, 4, 9);
            var e = copy.Events[at];
            copy.Events[at] = e with { Json = e.Json.Replace("\"Copies\": 2", "\"Copies\": 3") };
            var leaf = Assert.Single(copy.Walk(), p => p.Code == "leaf.hash");
            Assert.Equal((e.Version, (long)at), (leaf.Version!.Value, leaf.LeafIndex!.Value));
            if (at >= 6)
                Assert.Contains("the JSON changed after it was logged", leaf.Message);
        }
        Assert.Empty(log.Walk());
        var (problems, jsonChecked) = log.WalkWithoutJson();
        Assert.Empty(problems);
        Assert.Equal(6, jsonChecked);
    }

    [Fact]
    public void The_tree_alone_binds_a_v2_event_by_its_identity_and_the_logged_digest_not_its_JSON()
    {
        var log = SyntheticLog.WithV1(8, 2, 8);
        var (untouched, jsonChecked) = log.WalkWithoutJson();
        Assert.Empty(untouched);
        Assert.Equal(2, jsonChecked); // the v1 leaves' events only: the database hashes their rows

        // The JSON of a v2 event is not read without the full audit; its time, or the digest the leaf keeps, is.
        var e = log.Events[5];
        log.Events[5] = e with { Json = e.Json.Replace("\"Copies\": 2", "\"Copies\": 3") };
        Assert.Empty(log.WalkWithoutJson().Problems);
        Assert.Equal(5L, Assert.Single(log.Walk(), p => p.Code == "leaf.hash").LeafIndex);
        log.Events[5] = e with { TimestampMicros = e.TimestampMicros + 1 };
        Assert.Equal(5L, Assert.Single(log.WalkWithoutJson().Problems, p => p.Code == "leaf.hash").LeafIndex);
        log.Events[5] = e;
        var leaf = log.Leaves[5];
        var digest = (byte[])leaf.JsonSha256!.Clone();
        digest[0] ^= 1;
        log.Leaves[5] = leaf with { JsonSha256 = digest };
        Assert.Equal(5L, Assert.Single(log.WalkWithoutJson().Problems, p => p.Code == "leaf.hash").LeafIndex);
        var full = Assert.Single(log.Walk(), p => p.Code == "leaf.hash");
        Assert.Equal(5L, full.LeafIndex);
        Assert.Contains("the digest in the log's row was changed", full.Message);
    }

    [Fact]
    public void A_deleted_event_is_named_by_what_its_leaf_says()
    {
        var log = SyntheticLog.With(6, 6);
        var gone = log.Events[3];
        log.Events.RemoveAt(3);
        var p = Assert.Single(log.Walk());
        Assert.Equal(("leaf.event-missing", gone.StreamId, gone.Version), (p.Code, p.StreamId!.Value, p.Version!.Value));
    }

    [Fact]
    public void An_event_added_without_a_leaf_is_not_in_the_log()
    {
        var log = SyntheticLog.With(4, 4);
        log.Events.Add(new StoredEvent(99, "33", SyntheticLog.StreamA, 3, "application_approved", 0, "{}"));
        var p = Assert.Single(log.Walk());
        Assert.Equal(("event.not-in-log", 3L, 99L), (p.Code, p.Version!.Value, p.SeqId!.Value));
    }

    [Fact]
    public void Events_swapped_between_versions_are_named_and_their_hashes_differ()
    {
        var log = SyntheticLog.With(6, 6);
        // Stream A holds versions 1..3 at events 0, 2, 4: swap the versions of the last two.
        log.Events[2] = log.Events[2] with { Version = 3 };
        log.Events[4] = log.Events[4] with { Version = 2 };
        var problems = log.Walk();
        Assert.Equal(2, problems.Count(p => p.Code == "leaf.event"));
        Assert.Equal(2, problems.Count(p => p.Code == "leaf.hash"));
        Assert.Contains(problems, p => p.Code == "checkpoint.root");
    }

    [Fact]
    public void A_log_cut_below_its_checkpoint_is_truncated_and_the_events_it_lost_are_not_in_the_log()
    {
        var log = SyntheticLog.With(8, 4, 8);
        log.Leaves.RemoveRange(6, 2);
        var problems = log.Walk();
        Assert.Equal(8L, Assert.Single(problems, p => p.Code == "log.truncated").CheckpointSize);
        Assert.Equal([log.Events[6].Version, log.Events[7].Version],
            problems.Where(p => p.Code == "event.not-in-log").Select(p => p.Version!.Value));
    }

    [Fact]
    public void Leaves_after_the_latest_checkpoint_are_unsealed_unless_allowed()
    {
        var log = SyntheticLog.With(5, 3);
        Assert.Equal([3L, 4], log.Walk().Where(p => p.Code == "log.unsealed").Select(p => p.LeafIndex!.Value));
        Assert.Empty(log.Walk(allowUnsealed: true));
    }

    [Fact]
    public void A_gap_in_the_indices_and_a_checkpoint_with_another_root_are_problems()
    {
        var log = SyntheticLog.With(5, 5);
        log.Leaves[3] = log.Leaves[3] with { Index = 7 };
        log.Leaves[4] = log.Leaves[4] with { Index = 8 };
        Assert.Contains(log.Walk(), p => p.Code == "leaf.index" && p.LeafIndex == 7);

        var other = SyntheticLog.With(5, 5);
        other.Checkpoints[0] = other.Checkpoints[0] with { RootHash = new byte[32] };
        Assert.Equal("checkpoint.root", Assert.Single(other.Walk()).Code);
    }

    [Fact]
    public void An_event_from_after_the_audits_now_is_a_problem()
    {
        var log = SyntheticLog.With(2, 2);
        var late = log.Events[1] with { TimestampMicros = (DateTimeOffset.Parse("2030-01-01T00:00:00Z") - DateTimeOffset.UnixEpoch).Ticks / 10 };
        log.Events[1] = late;
        // Leaf hash and checkpoint are rebuilt over the late time: only the time itself is wrong.
        log.Leaves[1] = log.Leaves[1] with { LeafHash = SyntheticLog.LeafHash(late) };
        log.Checkpoints.Clear();
        log.Checkpoint(2);
        Assert.Equal("event.future", Assert.Single(log.Walk()).Code);
    }
}
