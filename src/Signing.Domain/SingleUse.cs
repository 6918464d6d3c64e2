using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Signing.Domain;

/// <summary>What kind of material a single-use key stands for.</summary>
public enum SingleUseKind
{
    /// <summary>An e-Onay confirmation, by its nonce.</summary>
    EOnayNonce,
    /// <summary>A signed form, by the SHA-256 of its DER signed attributes: re-encoding the CMS or re-randomising an
    /// ECDSA signature value leaves them unchanged, while signing the form again gives new ones (new signing time).</summary>
    SignedAttributes,
    /// <summary>A receipt (dekont), by the SHA-256 of its scanned file.</summary>
    ReceiptFile,
    /// <summary>A receipt, by its normalised bank facts (IBAN, amount, date, description): a rescan is the same transfer.</summary>
    ReceiptTransfer,
}

/// <summary>A key that at most one application may hold, whatever the directorate. Key: lowercase hex SHA-256.</summary>
public sealed record SingleUseKey(SingleUseKind Kind, string Key);

/// <summary>Which single-use keys a confirmation or a receipt claims.</summary>
public static class SingleUse
{
    /// <summary>The key of an e-signed form or an e-Onay confirmation; none for a wet-signed form (the officer sees the paper).</summary>
    public static SingleUseKey? Of(Confirmation confirmation) => confirmation switch
    {
        Confirmation.ESigned { Facts.SignedAttributesSha256: { Length: > 0 } attributes } =>
            new(SingleUseKind.SignedAttributes, attributes.ToLowerInvariant()),
        Confirmation.EOnay { Facts.Reference: { Length: > 0 } nonce } => new(SingleUseKind.EOnayNonce, Sha256Hex(nonce)),
        _ => null,
    };

    /// <summary>Both keys of a receipt: the scanned file and the transfer it shows.</summary>
    public static IReadOnlyList<SingleUseKey> Of(Receipt receipt) =>
    [
        new(SingleUseKind.ReceiptFile, receipt.FileSha256.ToLowerInvariant()),
        new(SingleUseKind.ReceiptTransfer, Sha256Hex(string.Join('|', receipt.Iban.Value,
            receipt.Amount.Amount.ToString("0.00", CultureInfo.InvariantCulture), receipt.PaidOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            TurkishText.Compact(receipt.Description)))),
    ];

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
