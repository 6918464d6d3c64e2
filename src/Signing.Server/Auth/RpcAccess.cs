using Signing.Contracts.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Signing.Server.Auth;

/// <summary>How a system client may call one RPC.</summary>
public abstract record SystemAccess
{
    /// <summary>The RPC asks for no credentials (the proof of possession is the credential).</summary>
    public sealed record Open : SystemAccess;

    /// <summary>Any authenticated system client, whatever its scopes (it asks about itself).</summary>
    public sealed record AnyClient : SystemAccess;

    /// <summary>Only a system client granted <paramref name="Scope"/>.</summary>
    public sealed record Scoped(string Scope) : SystemAccess;

    /// <summary>People only: no system client may call it.</summary>
    public sealed record PeopleOnly : SystemAccess;
}

/// <summary>
/// The one table of what a system client needs per RPC, keyed by the gRPC method (<c>ServerCallContext.Method</c>, the
/// same for gRPC and its JSON transcoding). An RPC missing here is refused to every system client, so a new RPC is
/// closed to them until someone decides its scope.
/// </summary>
public static class RpcAccess
{
    private static readonly SystemAccess Open = new SystemAccess.Open();
    private static readonly SystemAccess PeopleOnly = new SystemAccess.PeopleOnly();
    private static SystemAccess Scope(string scope) => new SystemAccess.Scoped(scope);

    private static readonly ServiceDescriptor Certificates = CertificateService.Descriptor;
    private static readonly ServiceDescriptor Sessions = SessionService.Descriptor;
    private static readonly ServiceDescriptor ApplicationsService = ApplicationService.Descriptor;
    private static readonly ServiceDescriptor Approvals = ApprovalService.Descriptor;
    private static readonly ServiceDescriptor Deliveries = DeliveryService.Descriptor;
    private static readonly ServiceDescriptor Log = LogService.Descriptor;
    private static readonly ServiceDescriptor Roster = RosterService.Descriptor;
    private static readonly ServiceDescriptor Expiry = ExpiryService.Descriptor;

    public static IReadOnlyDictionary<string, SystemAccess> Table { get; } = new Dictionary<string, SystemAccess>(StringComparer.Ordinal)
    {
        [Method(Certificates, nameof(CertificateService.CertificateServiceBase.CreateChallenge))] = Open,
        [Method(Certificates, nameof(CertificateService.CertificateServiceBase.CheckCertificate))] = Open,
        [Method(Certificates, nameof(CertificateService.CertificateServiceBase.GetRenewalGuidance))] = Open,
        [Method(Sessions, nameof(SessionService.SessionServiceBase.SignIn))] = Open,
        [Method(Sessions, nameof(SessionService.SessionServiceBase.WhoAmI))] = new SystemAccess.AnyClient(),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.SubmitESigned))] = Scope(SystemScopes.ApplicationsSubmit),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.SubmitWithEOnay))] = Scope(SystemScopes.ApplicationsSubmit),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.SubmitWetSigned))] = Scope(SystemScopes.ApplicationsSubmit),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.AttachPaymentReceipt))] = Scope(SystemScopes.PaymentsRecord),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.Withdraw))] = Scope(SystemScopes.ApplicationsWithdraw),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.Get))] = Scope(SystemScopes.ApplicationsRead),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.GetPrintableForm))] = Scope(SystemScopes.ApplicationsRead),
        [Method(ApplicationsService, nameof(ApplicationService.ApplicationServiceBase.ListMine))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.ListQueue))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.WatchQueue))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.RegisterPaperForm))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.ConfirmCategory))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.GetDecisionDocument))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.Decide))] = PeopleOnly,
        [Method(Approvals, nameof(ApprovalService.ApprovalServiceBase.GetApplicationDetail))] = Scope(SystemScopes.ApplicationsRead),
        [Method(Deliveries, nameof(DeliveryService.DeliveryServiceBase.Record))] = Scope(SystemScopes.DeliveryRecord),
        [Method(Log, nameof(LogService.LogServiceBase.GetCheckpoint))] = Scope(SystemScopes.LogRead),
        [Method(Log, nameof(LogService.LogServiceBase.GetInclusionProof))] = Scope(SystemScopes.LogRead),
        [Method(Log, nameof(LogService.LogServiceBase.GetConsistencyProof))] = Scope(SystemScopes.LogRead),
        [Method(Roster, nameof(RosterService.RosterServiceBase.Import))] = Scope(SystemScopes.RosterWrite),
        [Method(Expiry, nameof(ExpiryService.ExpiryServiceBase.ListExpiring))] = Scope(SystemScopes.RosterRead),
        [Method(Expiry, nameof(ExpiryService.ExpiryServiceBase.GetExpiringStats))] = Scope(SystemScopes.RosterRead),
    };

    /// <summary>The rule for a gRPC method ("/esign.v1.ApplicationService/Get"); people only when it has no entry.</summary>
    public static SystemAccess For(string method) => Table.TryGetValue(method, out var access) ? access : PeopleOnly;

    /// <summary>The gRPC method name of an RPC, as <c>ServerCallContext.Method</c> carries it.</summary>
    public static string Method(ServiceDescriptor service, string rpc) => $"/{service.FullName}/{rpc}";
}
