namespace Signing.Domain;

/// <summary>One reason with its short texts; the English message of a refusal carries the specifics.</summary>
public sealed record ErrorText(string Reason, string Turkish, string English)
{
    public string In(bool english) => english ? English : Turkish;
}

/// <summary>
/// The one list of refusal reasons and what they say in Turkish and English. Asking for a reason that is not here
/// throws: a refusal without its texts is a bug, found by the test that walks <see cref="ErrorCodes"/>.
/// </summary>
public static class ErrorCatalogue
{
    private static readonly Dictionary<string, ErrorText> Texts = new ErrorText[]
    {
        new(ErrorCodes.AlreadySubmitted, "başvuru zaten yapılmış", "the application has already been submitted"),
        new(ErrorCodes.NotSubmitted, "böyle bir başvuru yok", "there is no such application"),
        new(ErrorCodes.ReasonNotRenewal, "yalnızca YENİLEME başvuruları kabul edilir", "only renewals (YENİLEME) are accepted"),
        new(ErrorCodes.KindNotNes, "yalnızca NES yenilemeleri kabul edilir", "only NES renewals are accepted"),
        new(ErrorCodes.TermNotThreeYears, "NES 3 yıllık verilir", "a NES is issued for 3 years"),
        new(ErrorCodes.MissingContact, "e-posta adresi ya da telefon numarası gerekli", "an e-mail address or a phone number is needed"),
        new(ErrorCodes.MissingAddress, "kargo teslimatı için adres gerekli", "a delivery address is needed for the courier"),
        new(ErrorCodes.MissingRequestId, "istek kimliği (client_request_id) gerekli", "a request id (client_request_id) is needed"),
        new(ErrorCodes.SignatureNotPassed, "formun e-imzası doğrulanamadı", "the form's e-signature did not verify"),
        new(ErrorCodes.SignerNotApplicant, "form başvuru sahibi tarafından imzalanmamış", "the form was not signed by the applicant"),
        new(ErrorCodes.SigningCertificateExpired, "imzalayan sertifikanın süresi dolmuş: e-Onay ya da ıslak imzalı form kullanın",
            "the signing certificate has expired: use e-Onay or a wet-signed form"),
        new(ErrorCodes.EOnayNotConfirmed, "e-Onay doğrulanamadı", "the e-Onay confirmation did not verify"),
        new(ErrorCodes.EOnayNotApplicant, "e-Onay başvuru sahibine ait değil", "the e-Onay confirmation is not the applicant's"),
        new(ErrorCodes.FamilyPhysicianMustESign, "NES'i geçerli olan aile hekimi formu NES ile e-imzalamalıdır",
            "a family physician whose NES is still valid must e-sign the form with it"),
        new(ErrorCodes.CategoryNotRoster, "başvuru kategorisi müdürlüğün personel listesindekiyle uyuşmuyor",
            "the category differs from the one on the directorate's staff list"),
        new(ErrorCodes.CategoryNotConfirmable, "kategori bu başvuruda onaylanamaz", "the category cannot be confirmed on this application"),
        new(ErrorCodes.NotAwaitingPaper, "başvuru ıslak imzalı form beklemiyor", "the application is not waiting for a wet-signed form"),
        new(ErrorCodes.WrongCopyCount, "formun 2 nüshası teslim edilmelidir", "the form is handed in as 2 signed copies"),
        new(ErrorCodes.ReceiptNotRequired, "bu başvuru için dekont gerekmez", "no receipt is needed for this application"),
        new(ErrorCodes.ReceiptNotAccepted, "dekont şu anda eklenemez", "a receipt cannot be attached now"),
        new(ErrorCodes.ReceiptAmount, "dekont tutarı ücretle eşleşmiyor", "the receipt's amount differs from the fee"),
        new(ErrorCodes.ReceiptIban, "dekonttaki IBAN müdürlüğün hesabı değil", "the receipt's IBAN is not the directorate's account"),
        new(ErrorCodes.ReceiptGivenName, "dekont açıklamasında ad yok", "the receipt's description lacks the given name"),
        new(ErrorCodes.ReceiptSurname, "dekont açıklamasında soyad yok", "the receipt's description lacks the surname"),
        new(ErrorCodes.ReceiptTckn, "dekont açıklamasında T.C. kimlik numarası yok", "the receipt's description lacks the TCKN"),
        new(ErrorCodes.ReceiptPhrase, "dekont açıklamasında \"NES 3 YILLIK BAŞVURUSU\" ifadesi yok",
            "the receipt's description lacks the phrase \"NES 3 YILLIK BAŞVURUSU\""),
        new(ErrorCodes.ReceiptFileHash, "dekont dosyası okunamadı", "the receipt file cannot be read"),
        new(ErrorCodes.NotApprovable, "başvuru şu anda onaylanamaz (eksikleri var)", "the application cannot be approved yet (something is missing)"),
        new(ErrorCodes.NotOnQueue, "başvuru onay kuyruğunda değil", "the application is not on the approval queue"),
        new(ErrorCodes.WrongTenant, "başvuru başka bir il müdürlüğüne ait", "the application belongs to another directorate"),
        new(ErrorCodes.NotAnOfficer, "bu müdürlüğün e-imza yetkilisi değilsiniz", "you are not an e-signature officer of this directorate"),
        new(ErrorCodes.SelfDecision, "kendi başvurunuz üzerinde yetkili olarak işlem yapamazsınız", "an officer never acts as officer on their own application"),
        new(ErrorCodes.SameOfficerTwice, "ikinci onay başka bir yetkiliden gelmelidir", "the second approval must come from another officer"),
        new(ErrorCodes.OfficerSignatureInvalid, "yetkilinin karar imzası doğrulanamadı", "the officer's signature on the decision did not verify"),
        new(ErrorCodes.RejectionReasonRequired, "ret gerekçesi gerekli", "a rejection needs a reason"),
        new(ErrorCodes.NotWithdrawable, "başvuru şu anda geri çekilemez", "the application cannot be withdrawn now"),
        new(ErrorCodes.NotTheApplicant, "yalnızca başvuru sahibi geri çekebilir", "only the applicant can withdraw the application"),
        new(ErrorCodes.InvalidTransition, "bu adım başvurunun şu anki durumunda yapılamaz", "this step is not possible in the application's current state"),
        new(ErrorCodes.ReturnReasonRequired, "iade nedeni gerekli", "a return needs its reason"),
        new(ErrorCodes.ConfirmedByRequired, "adresi kimin teyit ettiği gerekli", "say who confirmed the address"),
        new(ErrorCodes.PriceNotShown, "ücret henüz gösterilmedi", "the price has not been shown yet"),
        new(ErrorCodes.PaymentAmount, "ödenen tutar gösterilen ücretle eşleşmiyor", "the payment differs from the price shown"),
        new(ErrorCodes.Concurrency, "başvuru bu arada değişti; yeniden yükleyip tekrar deneyin", "the application changed meanwhile; read it again and retry"),
        new(ErrorCodes.NotFound, "böyle bir başvuru yok", "no such application"),
        new(ErrorCodes.OpenRenewalExists, "bu kişinin bu müdürlükte açık bir yenileme başvurusu zaten var",
            "this person already has an open renewal at this directorate"),
        new(ErrorCodes.InvalidArgument, "istekteki alanlar geçersiz", "fields of the request are not valid"),
        new(ErrorCodes.CmsUnreadable, "okunabilir bir CMS imzası değil", "not a readable CMS signature"),
        new(ErrorCodes.FormNotYours, "form başka birinin adına", "the form is for someone else"),
        new(ErrorCodes.CurrentCertificateRefused, "sertifika kabul edilmedi (başkasına ait, güvenilmeyen ya da iptal edilmiş)",
            "the certificate was refused (someone else's, untrusted or revoked)"),
        new(ErrorCodes.ChallengeUnknown, "tek kullanımlık değer bilinmiyor ya da süresi dolmuş", "the challenge is unknown or has expired"),
        new(ErrorCodes.TooManyChallenges, "çok fazla açık tek kullanımlık değer var; biraz sonra tekrar deneyin", "too many open challenges; try again shortly"),
        new(ErrorCodes.SignInRefused, "kartınızdaki sertifikayla oturum açılamıyor", "the certificate on the card cannot sign in"),
        new(ErrorCodes.AuthorizationMalformed, "yetki bilgisi 'Bearer <jeton>' biçiminde olmalı", "the authorization metadata must be 'Bearer <token>'"),
        new(ErrorCodes.TokenExpired, "oturumun süresi doldu; yeniden giriş yapın", "the session has expired; sign in again"),
        new(ErrorCodes.TokenInvalid, "oturum jetonu geçersiz", "the session token is not valid"),
        new(ErrorCodes.ClientCertificateUnknown, "istemci sertifikası tanınmıyor", "the client certificate is not known"),
        new(ErrorCodes.ApiKeyInvalid, "sistem anahtarı tanınmıyor", "the system key is not known"),
        new(ErrorCodes.NotSignedIn, "önce kartınızla giriş yapın", "sign in with your card first"),
        new(ErrorCodes.RoleRequired, "bu işlem için yetkiniz yok", "this call needs another role"),
        new(ErrorCodes.WatchFellBehind, "izleme kuyruğun gerisinde kaldı; yeniden izlemeye başlayın", "the watcher fell behind the queue; watch again"),
        new(ErrorCodes.WatchInterrupted, "kuyruk akışı kesildi; yeniden izlemeye başlayın", "the queue feed was interrupted; watch again"),
        new(ErrorCodes.MessageTooLarge, "istek çok büyük", "the request is too large"),
        new(ErrorCodes.ServerKeyUnavailable, "müdürlüğün imza anahtarına şu anda erişilemiyor; daha sonra tekrar deneyin",
            "the directorate's signing key is not available right now; try again later"),
        new(ErrorCodes.DatabaseUnavailable, "veritabanına şu anda ulaşılamıyor; biraz sonra tekrar deneyin",
            "the database is not reachable right now; try again shortly"),
        new(ErrorCodes.ServerStopping, "sunucu kapanıyor; tekrar deneyin (başka bir sunucu yanıtlar)",
            "the server is shutting down; try again (another node answers)"),
        new(ErrorCodes.Overloaded, "sunucu şu anda çok yoğun; hiçbir şey kaydedilmedi, biraz sonra tekrar deneyin",
            "the server is overloaded right now; nothing was stored, try again shortly"),
        new(ErrorCodes.OutcomeUnknown, "başvurunun kaydedilip kaydedilmediği bilinmiyor; aynı istek numarasıyla tekrar gönderin",
            "it is not known whether the submission was stored; send it again with the same request id"),
        new(ErrorCodes.DeadlineExceeded, "işlem süresi doldu", "the deadline passed before the call finished"),
        new(ErrorCodes.Cancelled, "işlem iptal edildi", "the call was cancelled"),
        new(ErrorCodes.Internal, "beklenmeyen bir hata oluştu; kaydedildi", "an internal error occurred; it has been logged"),
        new(ErrorCodes.NotWetSigned, "başvuru ıslak imzalı değil; yazdırılacak formu yok", "the application is not wet-signed: it has no printable form"),
        new(ErrorCodes.FormNotPrintable, "kayıtlı form yazdırılamıyor; başvuruyu geri çekip formu yeniden gönderin",
            "the stored form cannot be printed; withdraw the application and submit the form again"),
        new(ErrorCodes.RateLimited, "kısa sürede çok fazla istek geldi; belirtilen süre sonra tekrar deneyin",
            "too many requests in a short time; try again after the time given"),
        new(ErrorCodes.TooManyWatchers, "kuyruğu aynı anda izleyebileceğiniz pencere sayısına ulaştınız; birini kapatıp tekrar deneyin",
            "you already watch the queue in as many windows as allowed; close one and try again"),
        new(ErrorCodes.ClientCertificateExpired, "istemci sertifikasının süresi dolmuş", "the client certificate has expired"),
        new(ErrorCodes.ClientCertificateNotYetValid, "istemci sertifikası henüz geçerli değil", "the client certificate is not valid yet"),
        new(ErrorCodes.MessageMalformed, "istek geçerli bir protobuf iletisi değil", "the request is not a well-formed protobuf message"),
        new(ErrorCodes.ScopeRequired, "bu sistem istemcisine bu işlem için yetki verilmemiş", "this system client was not granted the scope this call needs"),
        new(ErrorCodes.BadInput, "komut satırı ya da dosya hatalı", "the command line or a file is not right"),
        new(ErrorCodes.UnknownCommand, "bilinmeyen komut", "unknown command"),
        new(ErrorCodes.ReceiptPaidInFuture, "dekont tarihi ileri bir tarih", "the receipt is dated in the future"),
        new(ErrorCodes.ReceiptPaidTooEarly, "dekont başvurudan çok önceki bir tarihli", "the receipt is dated too long before the application"),
        new(ErrorCodes.RequestIdReused, "bu istek kimliği başka bir içerikle kullanılmış; yeni bir istek kimliği kullanın",
            "this request id was used with other content; use a new request id"),
        new(ErrorCodes.SignedMaterialReused, "bu imza ya da e-Onay daha önce bir başvuruda kullanılmış; formu yeniden imzalayın ya da yeni bir e-Onay alın",
            "this signature or e-Onay confirmation was already used by an application; sign the form again or get a new e-Onay confirmation"),
        new(ErrorCodes.ReceiptAlreadyAttached, "bu dekont başka bir başvuruya eklenmiş", "this receipt is already attached to another application"),
        new(ErrorCodes.LogNotCheckpointed, "kayıt henüz imzalı bir kontrol noktasına girmedi; birkaç saniye sonra tekrar deneyin",
            "the record is not yet covered by a signed checkpoint; try again in a few seconds"),
        new(ErrorCodes.LogCheckpointNotFound, "bu ağaç boyutunda imzalı bir kontrol noktası yok", "no checkpoint was signed at this tree size"),
        new(ErrorCodes.LogEventNotFound, "başvurunun bu sürümde bir kaydı yok", "the application has no event of this version"),
        new(ErrorCodes.RevocationUnavailable,
            "sertifikanın iptal durumu şu anda doğrulanamıyor (OCSP ve SİL'e ulaşılamadı); sertifikanızda bir sorun olduğu anlamına gelmez, biraz sonra tekrar deneyin",
            "the certificate's revocation status cannot be checked right now (no OCSP or CRL answer); this says nothing against the certificate: try again shortly"),
    }.ToDictionary(t => t.Reason, StringComparer.Ordinal);

    public static IReadOnlyCollection<ErrorText> All => Texts.Values;

    public static bool IsKnown(string reason) => Texts.ContainsKey(reason);

    /// <summary>The texts of a reason; a reason missing here throws rather than fall back to a vague text.</summary>
    public static ErrorText Of(string reason) =>
        Texts.TryGetValue(reason, out var text) ? text : throw new KeyNotFoundException($"no texts for the error reason '{reason}'");
}
