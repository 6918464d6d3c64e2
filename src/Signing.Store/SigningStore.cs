using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Signing.Domain;
using Weasel.Core;

namespace Signing.Store;

/// <summary>Marten configuration of the Signing event store, in one place for the server, the tests and tools.</summary>
public static partial class SigningStore
{
    public const string Schema = "signing";

    /// <summary>Event stream names are stored: never rename these.</summary>
    private static readonly (Type Type, string Name)[] EventNames =
    [
        (typeof(RenewalSubmitted), "renewal_submitted"), (typeof(PaperRegistered), "paper_registered"),
        (typeof(ReceiptAttached), "receipt_attached"), (typeof(ApprovalGiven), "approval_given"),
        (typeof(ApplicationApproved), "application_approved"), (typeof(ApplicationRejected), "application_rejected"),
        (typeof(ApplicationWithdrawn), "application_withdrawn"), (typeof(SentToKamuSm), "sent_to_kamu_sm"),
        (typeof(CertificateProduced), "certificate_produced"), (typeof(CourierDispatched), "courier_dispatched"),
        (typeof(TokenDelivered), "token_delivered"), (typeof(ReturnedToSender), "returned_to_sender"),
        (typeof(AddressConfirmed), "address_confirmed"), (typeof(PostalFormReceived), "postal_form_received"),
        (typeof(PriceShown), "price_shown"), (typeof(PaymentMade), "payment_made"), (typeof(PaymentReflected), "payment_reflected"),
        (typeof(CertificateSeen), "certificate_seen"), (typeof(ReminderScheduled), "reminder_scheduled"),
        (typeof(CategoryConfirmed), "category_confirmed"), (typeof(RosterImported), "roster_imported"),
    ];

    /// <summary>The stored name of an event type (as history entries show it).</summary>
    public static string EventName(Type eventType) =>
        EventNames.FirstOrDefault(e => e.Type == eventType).Name ?? eventType.Name;

    public static void Configure(StoreOptions opts, string connectionString)
    {
        // Marten sends the same statements over and over (appends, upserts, the queue page): let PostgreSQL plan each
        // once per connection instead of on every call (planning cost more than running the queue page).
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }
        opts.Connection(builder.ConnectionString);
        opts.DatabaseSchemaName = Schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        // The runtime never changes the schema (its role may not): MigrateAsync does, as the owner, before it starts.
        opts.AutoCreateSchemaObjects = AutoCreate.None;

        // Tenant = province code; every row of every table carries tenant_id and every session is opened for one tenant.
        opts.Events.TenancyStyle = JasperFx.MultiTenancy.TenancyStyle.Conjoined;
        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        // Quick append: PostgreSQL stamps mt_events.timestamp with now(). Marten 9's default (QuickWithServerTimestamps,
        // despite its name) binds a timestamp per event from .NET, which costs more per append; nothing here reads that
        // column (every event carries its own At).
        opts.Events.AppendMode = EventAppendMode.Quick;
        opts.Policies.AllDocumentsAreMultiTenanted();
        foreach (var (type, name) in EventNames)
            opts.Events.MapEventType(type, name);

        opts.Projections.Add<ApplicationViewProjection>(ProjectionLifecycle.Inline);
        // Written by the store beside its events (see CertificateHolderProjection, which only a rebuild runs); numbered
        // revisions, as Marten gives a projection's documents, so the table is the same whether a rebuild registers it.
        opts.Schema.For<CertificateHolder>().UseNumericRevisions(true);

        // Keyset pages walk a (tenant_id, key, id) b-tree: a page costs the same at 10k or 1M rows.
        // The duplicated columns and their composite (tenant_id, …) indexes are set by each document's ConfigureMarten
        // (Marten's convention hook).
        opts.Schema.For<OpenRenewal>();
        opts.Schema.For<RosterMember>();
        // Not a Marten document: documents here are (tenant_id, id)-keyed, and single use must hold across tenants.
        opts.Storage.ExtendedSchemaObjects.Add(SingleUseClaims.Definition());
        // Sign-in challenges, shared by every node (a working table: rows are deleted when redeemed or expired).
        opts.Storage.ExtendedSchemaObjects.Add(ChallengeTable.Definition());
        // Renewal reminders to e-mail, written with the event that schedules them (a working table the senders lease from).
        opts.Storage.ExtendedSchemaObjects.Add(ReminderOutbox.Definition());
        // The transparency log: its tables and the trigger that makes every event a leaf in the event's own transaction.
        opts.Storage.Add(new Log.LogFeature(opts.Advanced.Migrator));
        opts.Storage.ExtendedSchemaObjects.Add(EvidenceTable.Definition());
        // The revocation cache every node shares (OCSP answers and CRLs): working tables, rows replaced by newer data.
        foreach (var table in Signing.Revocation.RevocationTables.Definitions(Schema))
            opts.Storage.ExtendedSchemaObjects.Add(table);
    }

    /// <summary>
    /// A b-tree, usually composite and led by tenant_id (a query inside one tenant); the lookups that must not depend on
    /// the tenant count (by id, by applicant, by code) lead with their own key.
    /// </summary>
    internal static void AddIndex(Marten.Schema.DocumentMapping mapping, string name, params string[] columns) =>
        AddIndex(mapping, name, columns, predicate: null);

    /// <inheritdoc cref="AddIndex(Marten.Schema.DocumentMapping, string, string[])"/>
    /// <param name="predicate">Makes it a partial index (only the rows it holds pay for it on write).</param>
    internal static void AddIndex(Marten.Schema.DocumentMapping mapping, string name, string[] columns, string? predicate)
    {
        mapping.Indexes.Add(new Weasel.Postgresql.Tables.IndexDefinition(name) { Columns = columns, Predicate = predicate });
        // Duplicate() also adds a single-column index per duplicated column; the indexes named here replace them (each
        // costs every insert).
        foreach (var single in mapping.Indexes.Where(i => i is Marten.Schema.DocumentIndex { Columns.Length: 1 }).ToList())
            mapping.Indexes.Remove(single);
    }

    /// <summary>For tests and tools: a store of its own (dispose it) on a migrated database.</summary>
    public static DocumentStore CreateDocumentStore(string connectionString) => DocumentStore.For(o => Configure(o, connectionString));

    /// <summary>
    /// For an operator's maintenance (run as the schema owner): a store that can also rebuild the expiring list from the
    /// events (<c>RebuildProjectionAsync&lt;CertificateHolderProjection&gt;</c> on its projection daemon).
    /// </summary>
    public static DocumentStore CreateMaintenanceStore(string connectionString) => DocumentStore.For(o =>
    {
        Configure(o, connectionString);
        o.Projections.Add<CertificateHolderProjection>(ProjectionLifecycle.Async);
    });

    /// <summary>For the server: Marten (lightweight sessions) plus <see cref="ApplicationStore"/>, <see cref="TransparencyLog"/> and <see cref="RosterStore"/>; the schema is the migration's (<see cref="MigrateAsync(string, CancellationToken)"/>).</summary>
    public static IServiceCollection AddSigningStore(this IServiceCollection services, string connectionString)
    {
        services.AddMarten(o => Configure(o, connectionString)).UseLightweightSessions();
        services.AddSingleton<ApplicationStore>();
        services.AddSingleton<TransparencyLog>();
        services.AddSingleton<RosterStore>();
        services.AddSingleton<ReminderStore>();
        return services;
    }
}
