namespace Signing.Forms;

/// <summary>
/// Everything printed on the wet-signature (ıslak imza) renewal form. The applicant prints it,
/// signs both copies by hand and brings them to the directorate's desk.
/// </summary>
public sealed record PrintableForm
{
    public required Guid ApplicationId { get; init; }

    /// <summary>Short code the officer types to find the application, e.g. "K7Q-4M2-X9P" (printable ASCII, at most 20 characters).</summary>
    public required string ApplicationCode { get; init; }

    /// <summary>E.g. "Mersin İl Sağlık Müdürlüğü".</summary>
    public required string DirectorateName { get; init; }

    public required string DeskAddress { get; init; }

    /// <summary>Full TCKN (11 digits): the form belongs to the applicant, so it is not masked.</summary>
    public required string Tckn { get; init; }

    public required string GivenNames { get; init; }
    public required string Surname { get; init; }

    /// <summary>Already localised text, e.g. "Aile Hekimi".</summary>
    public required string Category { get; init; }

    /// <summary>"YENİLEME".</summary>
    public required string Reason { get; init; }

    /// <summary>"NES".</summary>
    public required string CertificateKind { get; init; }

    /// <summary>3 for a NES.</summary>
    public required int TermYears { get; init; }

    public string Email { get; init; } = "";
    public string Phone { get; init; } = "";
    public string DeliveryAddress { get; init; } = "";
    public string Institution { get; init; } = "";
    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Fee lines for a family physician (amount, IBAN, bank, recipient, the description to write on the transfer); null when nothing is due.</summary>
    public FeeInstructions? Fee { get; init; }
}

/// <summary>What a family physician pays and how: printed in the fee box.</summary>
/// <param name="Amount">Amount in TL as text, e.g. "780.00".</param>
/// <param name="Iban">IBAN, with or without spaces; printed grouped by 4.</param>
/// <param name="Bank">E.g. "Halk Bankası".</param>
/// <param name="Recipient">Account holder, e.g. "MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ".</param>
/// <param name="Description">The exact text to write on the transfer (dekont açıklaması).</param>
public sealed record FeeInstructions(string Amount, string Iban, string Bank, string Recipient, string Description);
