using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Domain;
using Decision = Signing.Contracts.V1.Decision;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Limits;
using Signing.Server.Mapping;
using Signing.Server.Queue;
using Signing.Store;
using Signing.Verification;
using Vf = Signing.Verification;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Services;

/// <summary>The officer's desk: the queue of the officer's own directorate, paper, and decisions signed on the officer's card.</summary>
public sealed partial class ApprovalServiceImpl(Applications applications, Authenticator auth, Trust trust, QueueFeed feed,
    IOptions<WatchOptions> watch, TimeProvider time, Telemetry.SigningMetrics metrics, IHostApplicationLifetime lifetime,
    EvidenceReader evidence, ILogger<ApprovalServiceImpl> logger) : ApprovalService.ApprovalServiceBase
{
    /// <summary>A decision document is signed within this time of being issued.</summary>
    public static readonly TimeSpan DecisionDocumentLifetime = TimeSpan.FromMinutes(30);

    public override async Task<ListQueueResponse> ListQueue(ListQueueRequest request, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var size = Paging.Size(request.Page);
        var cursor = Paging.Queue(request.Page);
        var filter = Filter(request.Category, request.Lacks);
        var page = await applications.Store.ListQueueAsync(tenant.ProvinceCode, cursor, size, filter, context.CancellationToken);
        var response = new ListQueueResponse();
        response.Items.AddRange(page.Items.Select(Proto.QueueItem));
        if (page.Next is not null)
            response.NextCursor = Paging.QueueCursor(page.Next);
        if (request.IncludeTotal)
            response.Total = await applications.Store.CountQueueAsync(tenant.ProvinceCode, context.CancellationToken);
        return response;
    }

    public override async Task WatchQueue(WatchQueueRequest request, IServerStreamWriter<QueueChange> responseStream, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var limits = watch.Value;
        // This node cannot see every change right now (its queue feed is reconnecting to PostgreSQL): a watch started now
        // could miss some, so the client is asked to come back shortly.
        if (!feed.IsLive)
            throw new ServiceError(StatusCode.Unavailable, ErrorCodes.DatabaseUnavailable,
                "the queue feed of this server is reconnecting to the database; watch again shortly",
                "bu sunucunun kuyruk akışı veritabanına yeniden bağlanıyor; biraz sonra yeniden izlemeye başlayın",
                retryAfter: TimeSpan.FromSeconds(1));
        // Subscribe before reading the snapshot, so nothing that happens in between is lost (a change may arrive twice: harmless).
        using var subscription = feed.TrySubscribe(tenant.ProvinceCode, caller.Tckn, limits.MaxPerOfficer)
            ?? throw new ServiceError(StatusCode.ResourceExhausted, ErrorCodes.TooManyWatchers,
                $"you already watch the queue in {limits.MaxPerOfficer} streams; end one of them first",
                $"kuyruğu zaten {limits.MaxPerOfficer} pencerede izliyorsunuz; önce birini kapatın",
                metadata: new Dictionary<string, string> { ["limit"] = limits.MaxPerOfficer.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        // The stream lives no longer than the token that opened it, nor than the server: a watch would otherwise hold the
        // graceful shutdown for its whole drain time.
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        // A timer cannot wait beyond ~49 days; a token configured to live longer leaves the stream unbounded.
        if (caller.ExpiresAt is { } expiresAt && expiresAt - time.GetUtcNow() is var left && left < TimeSpan.FromDays(40))
            expiry.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        var ct = expiry.Token;
        try
        {
            // Headers now tell the client the watch is live, even before the first item.
            await context.WriteResponseHeadersAsync([]);
            var sent = await WriteSnapshotAsync(tenant.ProvinceCode, limits.SnapshotLimit, responseStream, ct);
            logger.LogInformation("{Tckn} watches the queue of {Tenant} ({Count} items in the snapshot)", Tckn.Mask(caller.Tckn), tenant.ProvinceCode, sent);
            await foreach (var change in subscription.Reader.ReadAllAsync(ct))
                await responseStream.WriteAsync(change, ct);
        }
        catch (Exception e) when (e is OverflowException || e.InnerException is OverflowException)
        {
            // The feed completed this watcher's channel with an OverflowException (surfaced wrapped in ChannelClosedException).
            throw new ServiceError(StatusCode.Aborted, ErrorCodes.WatchFellBehind, "the watcher fell too far behind the queue; watch again for a fresh snapshot",
                "izleme kuyruğun gerisinde kaldı; güncel liste için yeniden izlemeye başlayın");
        }
        catch (Exception e) when ((e as QueueFeedInterruptedException ?? e.InnerException as QueueFeedInterruptedException) is { } interrupted)
        {
            // This node may have missed changes (its connection to PostgreSQL's notifications dropped): same remedy.
            throw new ServiceError(StatusCode.Aborted, ErrorCodes.WatchInterrupted, interrupted.Message + "; watch again for a fresh snapshot",
                "kuyruk akışı kesildi; güncel liste için yeniden izlemeye başlayın");
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // Retried at once by a client, its next watch lands on a node that is still serving.
            throw new ServiceError(StatusCode.Unavailable, ErrorCodes.ServerStopping, "the server is shutting down; watch again (another node answers)",
                "sunucu kapanıyor; yeniden izlemeye başlayın (başka bir sunucu yanıtlar)", retryAfter: TimeSpan.Zero);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw ServiceError.Unauthenticated(ErrorCodes.TokenExpired, "the session has expired; sign in again with your card and watch again",
                "oturumun süresi doldu; kartınızla yeniden giriş yapıp izlemeye yeniden başlayın");
        }
    }

    /// <summary>The oldest items of the queue, at most <paramref name="limit"/>; a cut snapshot marks its last item with how many it left out.</summary>
    private async Task<int> WriteSnapshotAsync(string tenant, int limit, IServerStreamWriter<QueueChange> responseStream, CancellationToken ct)
    {
        QueueCursor? cursor = null;
        var sent = 0;
        QueueChange? held = null;
        do
        {
            var page = await applications.Store.ListQueueAsync(tenant, cursor, Math.Min(ApplicationStore.MaxPageSize, limit - sent), null, ct);
            foreach (var item in page.Items)
            {
                // One item is held back, so the last one can still be marked as the end of a cut snapshot.
                if (held is not null)
                    await responseStream.WriteAsync(held, ct);
                held = new QueueChange { Kind = QueueChange.Types.Kind.Snapshot, Item = Proto.QueueItem(item) };
            }
            sent += page.Items.Count;
            cursor = page.Next;
        }
        while (cursor is not null && sent < limit);
        if (held is null)
            return 0;
        if (cursor is not null)
        {
            held.SnapshotTruncated = true;
            held.SnapshotOmitted = Math.Max(0, await applications.Store.CountQueueAsync(tenant, ct) - sent);
        }
        await responseStream.WriteAsync(held, ct);
        return sent;
    }

    public override async Task<Contracts.V1.Application> RegisterPaperForm(RegisterPaperFormRequest request, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var id = Requests.ApplicationId(request.ApplicationId);
        new RequestCheck()
            .Require(request.Copies > 0, "copies", $"required: the number of signed copies received ({KamuSm.PaperCopies})", $"zorunlu: teslim alınan nüsha sayısı ({KamuSm.PaperCopies})")
            .Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz")
            .ThrowIfInvalid();
        var (_, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        return await applications.HandleAsync(tenant, view, request.ExpectedVersion,
            new RegisterPaper(tenant, Tckn.Parse(caller.Tckn), request.Copies, applications.Now, caller.Name), context.CancellationToken);
    }

    public override async Task<Contracts.V1.Application> ConfirmCategory(ConfirmCategoryRequest request, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var id = Requests.ApplicationId(request.ApplicationId);
        var category = Proto.Category(request.Category);
        new RequestCheck()
            .Require(category is not null, "category", "required: MANAGER, DOCTOR or FAMILY_PHYSICIAN", "zorunlu: MANAGER, DOCTOR ya da FAMILY_PHYSICIAN")
            .Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz")
            .ThrowIfInvalid();
        var (_, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        return await applications.HandleAsync(tenant, view, request.ExpectedVersion,
            new ConfirmCategory(tenant, Tckn.Parse(caller.Tckn), category!.Value, applications.Now, caller.Name), context.CancellationToken);
    }

    public override async Task<DecisionDocument> GetDecisionDocument(GetDecisionDocumentRequest request, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var id = Requests.ApplicationId(request.ApplicationId);
        new RequestCheck()
            .Require(request.Decision is Decision.Approve or Decision.Reject, "decision", "required: APPROVE or REJECT", "zorunlu: onay ya da ret")
            .Require(request.Decision != Decision.Reject || !string.IsNullOrWhiteSpace(request.Reason), "reason", "required for a rejection", "ret için gerekçe zorunlu")
            .Text("reason", request.Reason, 1000, multiline: true)
            .ThrowIfInvalid();
        var (_, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        // The rules that do not depend on the signature are checked now: the officer is not asked for a PIN to sign a
        // decision Decide would refuse (own application, second approval by the same officer, paper or receipt missing…).
        var decision = Proto.Decision(request.Decision);
        if (ApplicationDecider.DecisionRefusal(view.State, tenant, Tckn.Parse(caller.Tckn), decision) is { } refusal)
            throw StoreErrors.FromDomain(refusal, "application/" + id);
        var document = new DecisionDocumentBody(DecisionDocumentBody.DocumentType, 1, view.Id, view.ApplicationCode, tenant.ProvinceCode, view.Version,
            decision, request.Reason.Trim(), caller.Tckn, caller.Name, applications.Now, view.ApplicantName);
        return new DecisionDocument { Document = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(document, DecisionDocumentBody.Json)), Version = view.Version };
    }

    public override async Task<Contracts.V1.Application> Decide(DecideRequest request, ServerCallContext context)
    {
        var (caller, tenant) = await OfficerAsync(context);
        var id = Requests.ApplicationId(request.ApplicationId);
        new RequestCheck()
            .Require(!request.Document.IsEmpty, "document", "required: the bytes from GetDecisionDocument", "zorunlu: GetDecisionDocument belgesi")
            .Require(!request.Signature.IsEmpty, "signature", "required: a detached CMS over the document, made with your card", "zorunlu: belgenin kartla atılmış ayrık CMS imzası")
            .Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz")
            .ThrowIfInvalid();
        var document = DecisionDocumentBody.TryParse(request.Document.Span);
        var now = applications.Now;
        new RequestCheck()
            .Require(document is not null, "document", "not a decision document from GetDecisionDocument", "GetDecisionDocument belgesi değil")
            .Require(document is null || document.ApplicationId == id, "document", "is about another application", "başka bir başvuruya ait")
            .Require(document is null || document.OfficerTckn == caller.Tckn, "document", "was issued to another officer", "başka bir yetkiliye verilmiş")
            .Require(document is null || document.Tenant == tenant.ProvinceCode, "document", "is for another directorate", "başka bir müdürlüğe ait")
            .Require(document is null || (document.IssuedAt <= now.AddMinutes(1) && now - document.IssuedAt <= DecisionDocumentLifetime), "document",
                $"has expired (valid for {DecisionDocumentLifetime.TotalMinutes:0} minutes); get a new one", "süresi dolmuş; yenisini alın")
            .Require(document is null || request.ExpectedVersion == 0 || request.ExpectedVersion == document.ApplicationVersion, "expected_version",
                "differs from the version in the signed document", "imzalanan belgedeki sürümden farklı")
            .Text("document", document?.Reason ?? "", 1000, multiline: true)
            .ThrowIfInvalid();
        var (signatureBytes, documentBytes) = (request.Signature.ToByteArray(), request.Document.ToByteArray());
        var verdict = await trust.VerifyAsync(() => trust.Cms.Verify(signatureBytes, documentBytes,
            new VerificationOptions { At = now, ExpectedTckn = caller.Tckn }), context.CancellationToken);
        metrics.Verdict(verdict, "decision");
        if (verdict.Signer is null || verdict.SubIndication is Vf.SubIndication.FormatFailure or Vf.SubIndication.SignedDataNotFound)
            throw ServiceError.InvalidArgument("signature", "not a readable CMS signature: " + verdict.Reason, "okunabilir bir CMS imzası değil");
        RevocationGate.ThrowIfUnavailable(verdict);
        var (_, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        var signature = new OfficerSignature(request.Signature.ToByteArray(), VerdictFacts.Signature(verdict));
        var officer = Tckn.Parse(caller.Tckn);
        var (evidence, blobs) = EvidenceRecord.Decision(request.Document.ToByteArray(), signature.Bytes, verdict);
        ApplicationCommand command = document!.Decision == OfficerDecision.Approve
            ? new Approve(tenant, officer, signature, now, evidence, blobs, caller.Name)
            : new Reject(tenant, officer, document.Reason, signature, now, evidence, blobs, caller.Name);
        var result = await applications.HandleAsync(tenant, view, document.ApplicationVersion, command, context.CancellationToken);
        metrics.Decision(document.Decision, tenant.ProvinceCode);
        logger.LogInformation("{Officer} decided {Decision} on {ApplicationId}", officer.Mask(), document.Decision, id);
        return result;
    }

    private async Task<(Caller Caller, TenantSettings Tenant)> OfficerAsync(ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Officer);
        var tenant = applications.Tenants.Find(caller.Tenant) ?? throw ServiceError.PermissionDenied(ErrorCodes.WrongTenant,
            "your sign-in names no directorate this server serves", "oturumunuz bu sunucunun hizmet verdiği bir müdürlüğe ait değil");
        return (caller, tenant);
    }

    private static QueueFilter Filter(Contracts.V1.ApplicantCategory category, string lacks)
    {
        var check = new RequestCheck();
        Lack? lack = null;
        var nothing = string.Equals(lacks.Trim(), "NOTHING", StringComparison.OrdinalIgnoreCase);
        if (lacks.Length > 0 && !nothing)
        {
            lack = Proto.ParseLack(lacks);
            check.Require(lack is not null, "lacks", "one of PAPER, RECEIPT, SECOND_APPROVAL or NOTHING", "PAPER, RECEIPT, SECOND_APPROVAL ya da NOTHING olmalı");
        }
        check.ThrowIfInvalid();
        return new QueueFilter(Proto.Category(category), nothing, lack);
    }
}

/// <summary>What an officer signs to decide. Its bytes are signed as they are; the fields are checked against the call.</summary>
/// <param name="ApplicantName">Whose application it is, so the officer's signing agent can show it from the signed bytes
/// alone; absent from documents issued before it was added (kept in the evidence, they still parse).</param>
public sealed record DecisionDocumentBody(
    string Type, int Version, Guid ApplicationId, string ApplicationCode, string Tenant, long ApplicationVersion,
    OfficerDecision Decision, string Reason, string OfficerTckn, string OfficerName, DateTimeOffset IssuedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ApplicantName = null)
{
    public const string DocumentType = "esign.decision";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new DecisionName() },
    };

    public static DecisionDocumentBody? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var body = JsonSerializer.Deserialize<DecisionDocumentBody>(utf8, Json);
            return body is { Type: DocumentType, Version: 1 } && Enum.IsDefined(body.Decision) && body.OfficerTckn is not null ? body : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The signed bytes name the decision exactly "APPROVE" or "REJECT"; any other spelling is not a decision document.</summary>
    private sealed class DecisionName : JsonConverter<OfficerDecision>
    {
        public override OfficerDecision Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.GetString() is { } name
                ? name switch
                {
                    "APPROVE" => OfficerDecision.Approve,
                    "REJECT" => OfficerDecision.Reject,
                    _ => throw new JsonException("not a decision: " + name),
                }
                : throw new JsonException("the decision is a name");

        public override void Write(Utf8JsonWriter writer, OfficerDecision value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value == OfficerDecision.Approve ? "APPROVE" : "REJECT");
    }
}
