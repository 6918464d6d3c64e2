using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Record;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Services;
using Signing.Store;
using Checkpoint = Signing.Contracts.V1.Checkpoint;

namespace Signing.Server.Log;

/// <summary>
/// Serves the log's signed checkpoints and the proofs against them. Only signed checkpoints are served: a proof against a
/// root nobody signed proves nothing to its holder, so an event the next checkpoint has not yet covered is UNAVAILABLE
/// with RetryInfo (one checkpoint interval).
/// </summary>
public sealed class LogServiceImpl(TransparencyLog log, Applications applications, Authenticator auth,
    IOptions<LogOptions> options) : LogService.LogServiceBase
{
    public override async Task<Checkpoint> GetCheckpoint(GetCheckpointRequest request, ServerCallContext context)
    {
        await auth.RequireAsync(context, Roles.Officer, Roles.System);
        var ct = context.CancellationToken;
        var latest = await LatestAsync(context);
        return Proto(await SignedAsync(request.TreeSize, "tree_size", latest, ct));
    }

    public override async Task<InclusionProof> GetInclusionProof(GetInclusionProofRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Applicant, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        new RequestCheck()
            .Require(request.Version >= 0, "version", "the event's version, 1 or more (0 = 1, the submission)", "kaydın sürümü, 1 ya da daha büyük (0 = 1, başvuru)")
            .Require(request.TreeSize >= 0, "tree_size", "0 (the latest checkpoint) or a checkpoint's size", "0 (son kontrol noktası) ya da bir kontrol noktasının boyutu")
            .ThrowIfInvalid();
        var ct = context.CancellationToken;
        // Exactly the refusals of ApplicationService.Get: nobody learns more about an application here than there.
        var (tenant, view) = await applications.LocateAsync(id, caller, ct);
        var version = request.Version == 0 ? 1 : request.Version;
        var leaf = (version <= view.Version ? await log.FindAsync(tenant.ProvinceCode, id, version, ct) : null)
            ?? throw new ServiceError(StatusCode.NotFound, ErrorCodes.LogEventNotFound,
                $"application {id} has no event of version {version} in the log (its latest version is {view.Version})",
                $"{id} numaralı başvurunun kayıtta {version}. sürümü yok (son sürümü {view.Version})",
                metadata: new Dictionary<string, string> { ["application_id"] = id.ToString(), ["version"] = Text(version) });

        var latest = await LatestAsync(context);
        StoredCheckpoint checkpoint;
        if (request.TreeSize == 0)
        {
            if (latest.TreeSize <= leaf.Index)
                throw NotYetCheckpointed(context, $"the event (leaf {leaf.Index}) is not yet covered by a signed checkpoint (the latest has {latest.TreeSize} leaves)",
                    "kayıt henüz imzalı bir kontrol noktasına girmedi");
            checkpoint = latest;
        }
        else
        {
            if (request.TreeSize <= leaf.Index)
                throw ServiceError.InvalidArgument("tree_size", $"must be more than the leaf's index {leaf.Index} (a tree of {request.TreeSize} leaves does not hold it)",
                    $"yaprağın sırasından ({leaf.Index}) büyük olmalı");
            checkpoint = await SignedAsync(request.TreeSize, "tree_size", latest, ct);
        }

        var proof = await log.InclusionProofAsync(leaf.Index, checkpoint.TreeSize, ct);
        var source = await log.LeafInputAsync(leaf.Index, ct);
        var response = new InclusionProof
        {
            LeafIndex = leaf.Index,
            LeafInput = ByteString.CopyFrom(source?.Input ?? []),
            EventJson = ByteString.CopyFromUtf8(source?.Json ?? ""),
            LeafHash = ByteString.CopyFrom(leaf.LeafHash),
            TreeSize = checkpoint.TreeSize,
            Checkpoint = Proto(checkpoint),
        };
        response.Hashes.AddRange(proof.Select(ByteString.CopyFrom));
        return response;
    }

    public override async Task<ConsistencyProof> GetConsistencyProof(GetConsistencyProofRequest request, ServerCallContext context)
    {
        await auth.RequireAsync(context, Roles.Officer, Roles.System);
        new RequestCheck()
            .Require(request.FirstSize >= 1, "first_size", "a signed checkpoint's size, 1 or more", "imzalı bir kontrol noktasının boyutu, en az 1")
            .Require(request.SecondSize >= 0, "second_size", "0 (the latest checkpoint) or a signed checkpoint's size", "0 (son kontrol noktası) ya da imzalı bir kontrol noktasının boyutu")
            .ThrowIfInvalid();
        var ct = context.CancellationToken;
        var latest = await LatestAsync(context);
        var second = await SignedAsync(request.SecondSize, "second_size", latest, ct);
        if (request.FirstSize > second.TreeSize)
            throw ServiceError.InvalidArgument("first_size", $"must be at most the second tree's size {second.TreeSize} (was {request.FirstSize})",
                $"ikinci ağacın boyutundan ({second.TreeSize}) büyük olamaz");
        var first = await SignedAsync(request.FirstSize, "first_size", latest, ct);
        var proof = await log.ConsistencyProofAsync(first.TreeSize, second.TreeSize, ct);
        var response = new ConsistencyProof { First = Proto(first), Second = Proto(second) };
        response.Hashes.AddRange(proof.Select(ByteString.CopyFrom));
        return response;
    }

    /// <summary>The latest signed checkpoint; none yet is UNAVAILABLE (the first comes within one interval of the start).</summary>
    private async Task<StoredCheckpoint> LatestAsync(ServerCallContext context) =>
        await log.LatestCheckpointAsync(context.CancellationToken)
            ?? throw NotYetCheckpointed(context, "no checkpoint has been signed yet", "henüz imzalı bir kontrol noktası yok");

    /// <summary>The checkpoint of <paramref name="size"/> (0 = <paramref name="latest"/>); beyond the latest is the caller's mistake.</summary>
    private async Task<StoredCheckpoint> SignedAsync(long size, string field, StoredCheckpoint latest, CancellationToken ct)
    {
        if (size < 0 || size > latest.TreeSize)
            throw ServiceError.InvalidArgument(field, $"must be from 0 to {latest.TreeSize}, the latest checkpoint's size (was {size})",
                $"0 ile son kontrol noktasının boyutu ({latest.TreeSize}) arasında olmalı");
        if (size == 0 || size == latest.TreeSize)
            return latest;
        return await log.CheckpointAsync(size, ct)
            ?? throw new ServiceError(StatusCode.NotFound, ErrorCodes.LogCheckpointNotFound,
                $"{field}: no checkpoint was signed at tree size {size}; GetCheckpoint gives the latest",
                $"{field}: {size} boyutunda imzalı bir kontrol noktası yok",
                metadata: new Dictionary<string, string> { ["tree_size"] = Text(size) });
    }

    private RpcException NotYetCheckpointed(ServerCallContext context, string message, string messageTr)
    {
        var retry = options.Value.Interval;
        var error = new ServiceError(StatusCode.Unavailable, ErrorCodes.LogNotCheckpointed, $"{message}; try again in {options.Value.CheckpointSeconds} s",
            $"{messageTr}; {options.Value.CheckpointSeconds} sn sonra tekrar deneyin",
            metadata: new Dictionary<string, string> { ["retry_after_seconds"] = Text(options.Value.CheckpointSeconds) });
        var status = ErrorInterceptor.ToRpcException(error, ErrorInterceptor.WantsEnglish(context)).GetRpcStatus()!;
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        return status.ToRpcException();
    }

    internal static Checkpoint Proto(StoredCheckpoint c) => new()
    {
        Origin = Signing.Record.Checkpoint.Parse(c.Note)?.Origin ?? "",
        TreeSize = c.TreeSize,
        RootHash = ByteString.CopyFrom(c.RootHash),
        Note = c.Note,
        Signature = ByteString.CopyFrom(c.Signature),
        SignedAt = Timestamp.FromDateTimeOffset(c.SignedAt),
    };

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
