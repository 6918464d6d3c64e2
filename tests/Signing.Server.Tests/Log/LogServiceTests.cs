using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Google.Rpc;
using Grpc.Core;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Signing.Verification;
using Indication = Signing.Verification.Indication;

namespace Signing.Server.Tests.Log;

/// <summary>
/// The log's API over a real channel on real PostgreSQL: a submission, a checkpoint signed on the server token, and the
/// proofs judged by the tests' own RFC 9162 verifier (not the product's), the signature by CmsVerifier and by OpenSSL.
/// </summary>
public sealed class LogServiceTests(LogServer server) : IClassFixture<LogServer>
{
    private async Task<Application> SubmitAsync(string tenant) =>
        await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), tenant));

    private Task<InclusionProof> ProofAsync(string applicationId, long version = 1, long treeSize = 0, Metadata? headers = null) =>
        server.Log().GetInclusionProofAsync(new GetInclusionProofRequest { ApplicationId = applicationId, Version = version, TreeSize = treeSize },
            headers ?? server.SystemHeaders()).ResponseAsync;

    [Fact]
    public async Task A_submission_is_in_the_signed_checkpoint_by_the_tests_own_RFC_9162_verifier()
    {
        var tenant = server.NewTenant();
        var application = await SubmitAsync(tenant);
        await server.CheckpointAsync();

        var proof = await ProofAsync(application.Id);

        var input = proof.LeafInput.ToByteArray();
        Assert.Equal(Rfc9162Verifier.LeafHash(input), proof.LeafHash.ToByteArray());
        var lines = Encoding.UTF8.GetString(input).Split('\n', 7);
        Assert.Equal(["signing/leaf/v2", tenant, application.Id, "1", "renewal_submitted"], lines[..5]);
        // The last line is the SHA-256 of the event's JSON, which the proof carries beside it.
        Assert.StartsWith("{", proof.EventJson.ToStringUtf8());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(proof.EventJson.ToByteArray())), lines[6]);
        var checkpoint = proof.Checkpoint;
        Assert.Equal(checkpoint.TreeSize, proof.TreeSize);
        Assert.InRange(proof.LeafIndex, 0, proof.TreeSize - 1);
        Assert.Equal($"signing.saglik.gov.tr/log\n{checkpoint.TreeSize}\n{Convert.ToBase64String(checkpoint.RootHash.ToByteArray())}\n", checkpoint.Note);
        Assert.Equal("signing.saglik.gov.tr/log", checkpoint.Origin);

        var hashes = proof.Hashes.Select(h => h.ToByteArray()).ToList();
        var root = checkpoint.RootHash.ToByteArray();
        Assert.True(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex, proof.TreeSize, proof.LeafHash.ToByteArray(), hashes, root));

        // Any change is caught: another event's bytes, a changed path, another position, another root.
        input[^2] ^= 1;
        Assert.False(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex, proof.TreeSize, Rfc9162Verifier.LeafHash(input), hashes, root));
        for (var i = 0; i < hashes.Count; i++)
        {
            var tampered = hashes.Select(h => (byte[])h.Clone()).ToList();
            tampered[i][7] ^= 0x40;
            Assert.False(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex, proof.TreeSize, proof.LeafHash.ToByteArray(), tampered, root));
        }
        if (proof.TreeSize > 1)
            Assert.False(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex ^ 1, proof.TreeSize, proof.LeafHash.ToByteArray(), hashes, root));
        var otherRoot = (byte[])root.Clone();
        otherRoot[0] ^= 1;
        Assert.False(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex, proof.TreeSize, proof.LeafHash.ToByteArray(), hashes, otherRoot));
    }

    [Fact]
    public async Task An_event_no_checkpoint_covers_yet_is_UNAVAILABLE_with_the_checkpoint_interval_to_wait()
    {
        var application = await SubmitAsync(server.NewTenant());

        var status = await Rpc.Refused(StatusCode.Unavailable, () => ProofAsync(application.Id), "LOG_NOT_CHECKPOINTED");

        Assert.Equal(3600, status.GetDetail<RetryInfo>()!.RetryDelay.Seconds);
        var covering = await server.CheckpointAsync();
        Assert.Equal(covering.TreeSize, (await ProofAsync(application.Id)).TreeSize);
    }

    [Fact]
    public async Task The_checkpoint_signature_is_a_detached_CMS_over_the_note_by_the_server_certificate()
    {
        await SubmitAsync(server.NewTenant());
        var signed = await server.CheckpointAsync();
        var checkpoint = await server.Log().GetCheckpointAsync(new GetCheckpointRequest(), server.SystemHeaders());
        Assert.Equal(signed.TreeSize, checkpoint.TreeSize);
        Assert.Equal(checkpoint, await server.Log().GetCheckpointAsync(new GetCheckpointRequest { TreeSize = checkpoint.TreeSize }, server.SystemHeaders()));

        var note = Encoding.UTF8.GetBytes(checkpoint.Note);
        var signature = checkpoint.Signature.ToByteArray();
        var manifest = server.World.Manifest;
        var verifier = new CmsVerifier(new TrustConfiguration { TrustAnchors = ParsedCertificate.FromFile(manifest.Pki.RootCertificate) });
        var options = new VerificationOptions { Profile = ValidationProfile.None, Revocation = RevocationMode.BestEffort };
        var verdict = verifier.Verify(signature, note, options);
        Assert.True(verdict.Indication == Indication.TotalPassed, $"{verdict.SubIndication}: {verdict.Reason}");
        var serverCertificate = ParsedCertificate.FromFile(manifest.Persona("server-mersin").CertificatePath).Single();
        Assert.Equal(serverCertificate.Sha256, verdict.Signer!.CertificateSha256);
        var changed = Encoding.UTF8.GetBytes(checkpoint.Note.Replace($"\n{checkpoint.TreeSize}\n", $"\n{checkpoint.TreeSize + 1}\n"));
        Assert.Equal(Indication.TotalFailed, verifier.Verify(signature, changed, options).Indication);

        // And by OpenSSL, which shares no code with the server.
        var dir = Directory.CreateTempSubdirectory("checkpoint-");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "note.txt"), note);
            File.WriteAllBytes(Path.Combine(dir.FullName, "changed.txt"), changed);
            File.WriteAllBytes(Path.Combine(dir.FullName, "checkpoint.p7s"), signature);
            Assert.Equal(0, await OpenSslVerifyAsync(dir.FullName, "note.txt", manifest.Pki.RootCertificate));
            Assert.NotEqual(0, await OpenSslVerifyAsync(dir.FullName, "changed.txt", manifest.Pki.RootCertificate));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<int> OpenSslVerifyAsync(string dir, string content, string root)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "cms", "-verify", "-binary", "-inform", "DER", "-in", "checkpoint.p7s", "-content", content, "-CAfile", root,
                     "-purpose", "any", "-out", "/dev/null" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [Fact]
    public async Task A_consistency_proof_between_two_checkpoints_verifies_and_a_changed_one_does_not()
    {
        var tenant = server.NewTenant();
        await SubmitAsync(tenant);
        var first = await server.CheckpointAsync();
        await SubmitAsync(tenant);
        await SubmitAsync(tenant);
        var second = await server.CheckpointAsync();
        Assert.True(second.TreeSize >= first.TreeSize + 2);

        foreach (var secondSize in new[] { second.TreeSize, 0 })
        {
            var proof = await server.Log().GetConsistencyProofAsync(
                new GetConsistencyProofRequest { FirstSize = first.TreeSize, SecondSize = secondSize }, server.SystemHeaders());
            Assert.Equal(first.TreeSize, proof.First.TreeSize);
            Assert.Equal(second.TreeSize, proof.Second.TreeSize);
            var hashes = proof.Hashes.Select(h => h.ToByteArray()).ToList();
            var r1 = proof.First.RootHash.ToByteArray();
            var r2 = proof.Second.RootHash.ToByteArray();
            Assert.True(Rfc9162Verifier.VerifyConsistency(first.TreeSize, second.TreeSize, r1, r2, hashes));
            Assert.Equal(first.RootHash, r1);
            for (var i = 0; i < hashes.Count; i++)
            {
                var tampered = hashes.Select(h => (byte[])h.Clone()).ToList();
                tampered[i][31] ^= 0x01;
                Assert.False(Rfc9162Verifier.VerifyConsistency(first.TreeSize, second.TreeSize, r1, r2, tampered));
            }
            var forged = (byte[])r1.Clone();
            forged[3] ^= 0x10;
            Assert.False(Rfc9162Verifier.VerifyConsistency(first.TreeSize, second.TreeSize, forged, r2, hashes));
        }

        // A size between the two was never signed: there is nothing to prove against.
        await Rpc.Refused(StatusCode.NotFound, () => server.Log().GetCheckpointAsync(
            new GetCheckpointRequest { TreeSize = first.TreeSize + 1 }, server.SystemHeaders()).ResponseAsync, "LOG_CHECKPOINT_NOT_FOUND");
    }

    [Fact]
    public async Task Requests_out_of_range_name_their_field_and_an_unknown_version_is_NOT_FOUND()
    {
        var application = await SubmitAsync(server.NewTenant());
        var latest = await server.CheckpointAsync();
        var log = server.Log();
        var headers = server.SystemHeaders();

        await Rpc.Refused(StatusCode.NotFound, () => ProofAsync(application.Id, version: 2), "LOG_EVENT_NOT_FOUND");
        await Rpc.Refused(StatusCode.InvalidArgument, () => ProofAsync(application.Id, version: -1), "INVALID_ARGUMENT", "version");
        await Rpc.Refused(StatusCode.InvalidArgument, () => ProofAsync(application.Id, treeSize: latest.TreeSize + 1), "INVALID_ARGUMENT", "tree_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => ProofAsync(application.Id, treeSize: 1), "INVALID_ARGUMENT", "tree_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => ProofAsync("not-a-uuid"), "INVALID_ARGUMENT", "application_id");
        await Rpc.Refused(StatusCode.NotFound, () => ProofAsync(Guid.NewGuid().ToString()), "application.not_found");
        await Rpc.Refused(StatusCode.InvalidArgument, () => log.GetCheckpointAsync(new GetCheckpointRequest { TreeSize = -1 }, headers).ResponseAsync,
            "INVALID_ARGUMENT", "tree_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => log.GetCheckpointAsync(new GetCheckpointRequest { TreeSize = latest.TreeSize + 1 }, headers).ResponseAsync,
            "INVALID_ARGUMENT", "tree_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => log.GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = 0 }, headers).ResponseAsync,
            "INVALID_ARGUMENT", "first_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => log.GetConsistencyProofAsync(
            new GetConsistencyProofRequest { FirstSize = latest.TreeSize + 1, SecondSize = latest.TreeSize + 1 }, headers).ResponseAsync, "INVALID_ARGUMENT", "second_size");
        await Rpc.Refused(StatusCode.InvalidArgument, () => log.GetConsistencyProofAsync(
            new GetConsistencyProofRequest { FirstSize = latest.TreeSize + 1 }, headers).ResponseAsync, "INVALID_ARGUMENT", "first_size");
    }

    [Fact]
    public async Task A_log_reader_proves_its_own_directorates_events_only()
    {
        var reader = new Metadata { { "x-api-key", LogServer.MersinReaderKey } };
        var mersin = await SubmitAsync("33");
        var other = await SubmitAsync(server.NewTenant());
        await server.CheckpointAsync();

        Assert.Equal(mersin.Id, Encoding.UTF8.GetString((await ProofAsync(mersin.Id, headers: reader)).LeafInput.ToByteArray()).Split('\n')[2]);
        await Rpc.Refused(StatusCode.PermissionDenied, () => ProofAsync(other.Id, headers: reader), "WRONG_TENANT");
        // Checkpoints and consistency are the whole log's, not a tenant's.
        Assert.True((await server.Log().GetCheckpointAsync(new GetCheckpointRequest(), reader)).TreeSize > 0);
    }

    [Fact]
    public async Task The_server_signs_a_checkpoint_of_what_was_committed_when_it_stops()
    {
        var own = new LogServer();
        await own.InitializeAsync();
        try
        {
            await own.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
            await own.StopHostAsync();

            await using var connection = new NpgsqlConnection(own.ConnectionString);
            await connection.OpenAsync();
            await using var leaves = new NpgsqlCommand("select count(*) from signing.log_leaves", connection);
            var size = (long)(await leaves.ExecuteScalarAsync())!;
            await using var latest = new NpgsqlCommand("select coalesce(max(tree_size), -1) from signing.log_checkpoints", connection);
            Assert.True(size > 0);
            Assert.Equal(size, (long)(await latest.ExecuteScalarAsync())!);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}

/// <summary>The checkpointer's own tick: nobody asks for a checkpoint, yet the submission is covered within seconds.</summary>
public sealed class CheckpointTickTests(TickingLogServer server) : IClassFixture<TickingLogServer>
{
    [Fact]
    public async Task A_submission_is_covered_by_a_checkpoint_within_a_few_ticks()
    {
        var application = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant()));
        var request = new GetInclusionProofRequest { ApplicationId = application.Id, Version = 1 };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var proof = await server.Log().GetInclusionProofAsync(request, server.SystemHeaders());
                Assert.True(Rfc9162Verifier.VerifyInclusion(proof.LeafIndex, proof.TreeSize, proof.LeafHash.ToByteArray(),
                    proof.Hashes.Select(h => h.ToByteArray()).ToList(), proof.Checkpoint.RootHash.ToByteArray()));
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Assert.Equal(1, e.GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.Seconds);
                await Task.Delay(200);
            }
        }
    }
}
