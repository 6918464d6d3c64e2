using System.Globalization;

namespace Signing.Cli.Commands.Desk;

/// <summary>The desk's two languages. Turkish is the default: the people at the desk are Turkish.</summary>
internal enum Lang { Tr, En }

/// <summary>
/// Every sentence the desk commands say to a person, in Turkish and English, in one place (not scattered),
/// so a translator reads one file. Keys are stable; <see cref="Get"/> formats with the invariant culture.
/// </summary>
internal static class Texts
{
    private static readonly Dictionary<string, (string Tr, string En)> All = new()
    {
        // sign-in and session
        ["login.ok"] = ("Oturum açıldı: {0} ({1}), roller: {2}{3}; geçerlilik: {4:yyyy-MM-dd HH:mm} UTC", "Signed in: {0} ({1}), roles: {2}{3}; valid until {4:yyyy-MM-dd HH:mm} UTC"),
        ["login.tenant"] = (", il: {0}", ", tenant: {0}"),
        ["logout.ok"] = ("Oturum kapatıldı ({0}).", "Signed out ({0})."),
        ["logout.none"] = ("Açık oturum yok.", "No session to close."),
        ["session.none"] = ("Oturum açılmamış.", "You are not signed in."),
        ["session.expired"] = ("Oturumun süresi {0:yyyy-MM-dd HH:mm} UTC'de doldu.", "Your session expired at {0:yyyy-MM-dd HH:mm} UTC."),
        ["session.otherServer"] = ("Oturum başka bir sunucu için açılmış ({0}).", "The session was opened for another server ({0})."),
        ["session.corrupt"] = ("Oturum dosyası okunamadı ({0}).", "The session file cannot be read ({0})."),
        ["whoami.name"] = ("Ad", "Name"),
        ["whoami.tckn"] = ("TCKN", "TCKN"),
        ["whoami.roles"] = ("Roller", "Roles"),
        ["whoami.tenant"] = ("İl", "Tenant"),
        ["whoami.expires"] = ("Oturum bitişi", "Session expires"),
        ["whoami.server"] = ("Sunucu", "Server"),
        ["whoami.token"] = ("Kart", "Token"),

        // roster import
        ["roster.noFile"] = ("Dosya bulunamadı: {0}", "File not found: {0}"),
        ["roster.windows1254"] = ("Not: {0} UTF-8 değil; Türkçe Windows-1254 olarak okundu. İleride Excel'de \"CSV UTF-8\" olarak kaydedin.",
            "Note: {0} is not UTF-8; read as Turkish Windows-1254. Next time save it in Excel as \"CSV UTF-8\"."),
        ["roster.notUtf8"] = ("Dosya UTF-8 değil ({0}. baytta geçersiz bayt 0x{1}) ve Türkçe Windows-1254 metni olarak da okunamıyor.",
            "The file is not UTF-8 (invalid byte 0x{1} at byte offset {0}) and does not read as Turkish Windows-1254 text either."),
        ["roster.next.saveUtf8"] = ("dosyayı UTF-8 olarak kaydedin: Excel'de Farklı Kaydet > \"CSV UTF-8 (virgülle ayrılmış)\", ya da metin düzenleyicide kodlama: UTF-8",
            "save the file as UTF-8: in Excel Save As > \"CSV UTF-8 (Comma delimited)\", or in a text editor choose the encoding UTF-8"),
        ["roster.missingColumns"] = ("Dosyada gerekli sütunlar yok: {0}. Bulunan sütunlar: {1}.", "The file lacks required columns: {0}. Columns found: {1}."),
        ["roster.noColumns"] = ("(hiç)", "(none)"),
        ["roster.orGivenSurname"] = ("ya da ayrı Ad ve Soyad", "or separate Ad and Soyad"),
        ["roster.next.columns"] = ("ilk satır başlık olmalı: T.C. Kimlik No; Ad Soyad; Kategori; Kurum; E-posta; Telefon; Durum (esign roster import --help)",
            "the first line must be the header: T.C. Kimlik No; Ad Soyad; Kategori; Kurum; E-posta; Telefon; Durum (esign roster import --help)"),
        ["roster.malformed"] = ("Dosya CSV olarak okunamıyor ({0}. satır): {1}", "The file does not read as CSV (line {0}): {1}"),
        ["roster.next.fixFile"] = ("satırdaki tırnak işaretlerini düzeltip yeniden deneyin", "correct the quotes on that line and try again"),
        ["roster.step.send"] = ("Personel listesi gönderiliyor…", "Sending the staff list…"),
        ["roster.what"] = ("Sonuç", "Outcome"),
        ["roster.count"] = ("Kişi", "People"),
        ["roster.received"] = ("Okunan satır", "Rows read"),
        ["roster.added"] = ("Eklenen", "Added"),
        ["roster.changed"] = ("Değişen", "Changed"),
        ["roster.deactivated"] = ("Pasifleştirilen", "Deactivated"),
        ["roster.unchanged"] = ("Değişmeyen", "Unchanged"),
        ["roster.refused"] = ("Reddedilen satır", "Rows refused"),
        ["roster.row"] = ("Satır", "Line"),
        ["roster.field"] = ("Alan", "Field"),
        ["roster.reason"] = ("Neden", "Reason"),
        ["roster.refusedNext"] = ("{0} satır alınmadı: yukarıdaki satırları düzeltip dosyayı yeniden gönderin (alınanlar yeniden yazılmaz).",
            "{0} row(s) not taken: correct the lines above and send the file again (rows already taken are not written again)."),

        // progress
        ["step.challenge"] = ("Sunucudan tek kullanımlık değer alınıyor…", "Getting a challenge from the server…"),
        ["step.prove"] = ("Kartla imzalanıyor (anahtar sahipliği)…", "Signing on the card (proof of possession)…"),
        ["step.signForm"] = ("Başvuru formu kartla e-imzalanıyor…", "E-signing the form on the card…"),
        ["step.submit"] = ("Başvuru gönderiliyor…", "Submitting the application…"),
        ["step.signDecision"] = ("Karar belgesi kartla imzalanıyor…", "Signing the decision document on the card…"),

        // check
        ["check.status"] = ("Durum", "Status"),
        ["check.notAfter"] = ("Bitiş tarihi", "Not after"),
        ["check.daysLeft"] = ("Kalan gün", "Days left"),
        ["check.verdict"] = ("Doğrulama", "Verification"),
        ["check.steps"] = ("Yapılacaklar", "What to do"),

        // apply
        ["apply.ask"] = ("{0}: ", "{0}: "),
        ["apply.missing"] = ("eksik değer: {0} (seçenek olarak verin; soru yalnızca terminalde sorulur)", "missing value: {0} (give it as an option; questions are asked only on a terminal)"),
        ["apply.noToken"] = ("kart bulunamadı: TCKN ve ad için --tckn, --given-names ve --surname verin", "no token found: give --tckn, --given-names and --surname"),
        ["apply.eonayFile"] = ("e-Onay için --eonay-file DOSYA gerekli (e-Devlet'ten alınan onay)", "e-Onay needs --eonay-file FILE (the confirmation obtained through e-Devlet)"),
        ["apply.formWritten"] = ("Form JSON {0} dosyasına yazıldı; SHA-256: {1}", "Form JSON written to {0}; SHA-256: {1}"),
        ["apply.ok"] = ("Başvuru alındı", "Application received"),
        ["apply.replayed"] = ("(aynı istek daha önce alınmıştı; aynı başvuru döndü)", "(this request was received before; the same application is returned)"),
        ["apply.receiptSaved"] = ("Alındı belgesi kaydedildi: {0}, imzası {1}. Bu belgeyi imzalayan sertifikanın SHA-256 parmak izi: {2}. " +
            "Bunu il müdürlüğünüzün yayımladığı alındı sertifikası parmak iziyle karşılaştırın; doğrulamak için: " +
            "esign cms verify-receipt {0} --trust-anchor KÖK.pem --receipt-signer YAYIMLANAN-PARMAK-İZİ",
            "Receipt saved: {0}, its signature {1}. The certificate that signed it has the SHA-256 fingerprint {2}. " +
            "Compare it with the receipt-certificate fingerprint your directorate publishes; to check the receipt: " +
            "esign cms verify-receipt {0} --trust-anchor ROOT.pem --receipt-signer PUBLISHED-FINGERPRINT"),
        ["apply.receiptNotSaved"] = ("alındı belgesi kaydedilemedi (başvuru alındı)", "the receipt could not be saved (the application is in)"),
        ["apply.noReceipt"] = ("sunucu alındı belgesi göndermedi; kaydedilecek bir şey yok (başvuru alındı)", "the server sent no receipt; nothing was saved (the application is in)"),
        ["apply.pdf"] = ("Yazdırılacak form kaydedildi: {0} — 2 nüsha yazdırın, imzalayın ve masaya teslim edin.", "Printable form saved: {0} — print 2 copies, sign them and bring them to the desk."),

        // application fields
        ["app.id"] = ("Başvuru no", "Application id"),
        ["app.code"] = ("Kod", "Code"),
        ["app.status"] = ("Durum", "Status"),
        ["app.lacks"] = ("Eksik", "Lacks"),
        ["app.next"] = ("Sıradaki adım", "Next step"),
        ["app.version"] = ("Sürüm", "Version"),
        ["app.applicant"] = ("Başvuran", "Applicant"),
        ["app.category"] = ("Kategori", "Category"),
        ["app.method"] = ("Onay yolu", "Method"),
        ["app.tenant"] = ("İl", "Tenant"),
        ["app.submitted"] = ("Gönderim", "Submitted"),
        ["app.history"] = ("Geçmiş", "History"),
        ["app.none"] = ("Başvurunuz yok.", "You have no applications."),
        ["receipt.title"] = ("İmzalı alındı belgesi", "Signed receipt"),
        ["receipt.formSha256"] = ("Form SHA-256", "Form SHA-256"),
        ["receipt.time"] = ("Zaman", "Time"),
        ["receipt.verdict"] = ("Doğrulama", "Verdict"),
        ["receipt.attached"] = ("Dekont eklendi.", "Receipt attached."),

        // officer
        ["queue.empty"] = ("Onay kuyruğu boş.", "The approval queue is empty."),
        ["queue.total"] = ("Kuyrukta {0} başvuru.", "{0} application(s) on the queue."),
        ["queue.queuedAt"] = ("Kuyruğa giriş", "Queued"),
        ["queue.approvals"] = ("Onay", "Approvals"),
        ["queue.watching"] = ("Kuyruk izleniyor (Ctrl+C ile çıkın)…", "Watching the queue (Ctrl+C to stop)…"),
        ["paper.ok"] = ("Islak imzalı form kaydedildi ({0} nüsha).", "Paper form registered ({0} copies)."),
        ["category.ok"] = ("Başvuru kategorisi onaylandı: {0}.", "Category confirmed: {0}."),
        ["decision.document"] = ("İmzalanacak karar belgesi:", "The decision document to sign:"),
        ["decision.approved"] = ("Onaylandı.", "Approved."),
        ["decision.rejected"] = ("Reddedildi.", "Rejected."),
        ["delivery.ok"] = ("Teslimat olayı kaydedildi: {0}.", "Delivery event recorded: {0}."),
        ["expiring.none"] = ("Önümüzdeki {0} gün içinde NES süresi dolan kimse yok.", "Nobody's NES ends within the next {0} days."),
        ["expiring.count"] = ("{0} kişinin NES süresi {1} gün içinde doluyor.", "{0} people's NES ends within {1} days."),
        ["expiring.more"] = ("İlk {0} kişi gösterildi; {1} gün içinde süresi dolan başkaları da var (--limit ile artırın ya da --within ile daraltın).",
            "The first {0} people are shown; more have an NES ending within {1} days (raise --limit or narrow --within)."),
        ["expiring.institution"] = ("Kurum", "Institution"),
        ["expiring.renewal"] = ("Yenileme", "Renewal"),
        ["expiring.reminder"] = ("Son hatırlatma", "Last reminder"),
        ["expiring.stage"] = ("{0} gün", "{0} days"),
        ["expiring.notOnRoster"] = ("(kadroda değil)", "(not on the roster)"),
        ["expiring.statsTotal"] = ("{1} gün içinde NES süresi dolan: {0} kişi.", "NES ending within {1} days: {0} people."),
        ["expiring.people"] = ("Kişi", "People"),
        ["expiring.renewalOpen"] = ("Yenileme açık", "Renewal open"),
        ["expiring.stageReached"] = ("Ulaşılan aşama", "Stage reached"),
        ["expiring.noStage"] = ("henüz yok", "none yet"),
        ["expiring.reminders"] = ("Hatırlatmalar: {0} gönderildi, {1} bekliyor, {2} yeniden denenecek, {3} başarısız, {4} iptal.",
            "Reminders: {0} sent, {1} pending, {2} retrying, {3} failed, {4} cancelled."),
        ["notFoundCode"] = ("'{0}' kodlu başvuru bulunamadı", "no application with code '{0}'"),

        // errors
        ["error.prefix"] = ("esign: ", "esign: "),
        ["error.next"] = ("Ne yapmalı: {0}", "What to do next: {0}"),
        ["usage.unknownCommand"] = ("bilinmeyen komut '{0}'", "unknown command '{0}'"),
        ["usage.unknownOption"] = ("bilinmeyen seçenek '{0}'", "unknown option '{0}'"),
        ["next.help"] = ("komutlar ve seçenekleri için: esign --help", "for the commands and their options: esign --help"),
        ["error.unreachable"] = ("sunucuya ulaşılamadı: {0}", "the server cannot be reached: {0}"),
        ["next.login"] = ("esign login çalıştırın", "run: esign login"),
        ["next.unreachable"] = ("sunucunun çalıştığını ve adresin doğru olduğunu denetleyin (--server veya $ESIGN_SERVER)", "check the server runs and the address is right (--server or $ESIGN_SERVER)"),
        ["next.permission"] = ("bu işlem için yetkiniz yok; doğru kartla oturum açın (esign login --token ETİKET) veya il sağlık müdürlüğü e-imza yetkilisine başvurun", "you may not do this; sign in with the right card (esign login --token LABEL) or ask the directorate's e-signature officer"),
        ["next.notFound"] = ("numarayı denetleyin: esign status", "check the id: esign status"),
        ["next.conflict"] = ("başvuru bu arada değişti: esign status KİMLİK ile bakıp yeniden deneyin", "the application changed meanwhile: look at it with esign status ID and try again"),
        ["next.badInput"] = ("yukarıdaki alanları düzeltip yeniden deneyin (yardım: esign KOMUT --help)", "correct the fields above and try again (help: esign COMMAND --help)"),
        ["next.rules"] = ("başvurunun durumuna bakın: esign status; yapılacaklar için: esign check", "look at the application: esign status; for the steps: esign check"),
        ["next.unexpected"] = ("yeniden deneyin; sürerse hata iletisiyle destek isteyin", "try again; if it persists, report the message above"),
        ["next.mustESign"] = ("NES'iniz hâlâ geçerli: formu kartınızla e-imzalayın (esign apply --method esign)", "your NES is still valid: e-sign the form with your card (esign apply --method esign)"),
        ["next.receipt"] = ("dekont bilgilerini denetleyin: 780,00 TL, il sağlık müdürlüğünün IBAN'ı, açıklamada ad, soyad, TCKN ve \"NES 3 YILLIK BAŞVURUSU\"", "check the receipt: 780.00 TL, the directorate's IBAN, a description with name, surname, TCKN and \"NES 3 YILLIK BAŞVURUSU\""),
        ["next.sameOfficer"] = ("dört göz kuralı: ikinci onayı başka bir yetkili vermeli", "four-eyes rule: another officer must give the second approval"),
        ["next.ownApplication"] = ("kendi başvurunuzu başka bir yetkili karara bağlamalı", "another officer must decide your own application"),
        ["next.openRenewal"] = ("açık bir yenileme başvurunuz zaten var: esign status", "you already have an open renewal: esign status"),
        ["next.notApprovable"] = ("başvurunun eksiklerine bakın (esign status KİMLİK): dekont, ıslak imzalı kâğıt, ikinci onay veya kategori onayı (esign category confirm)", "look at what the application lacks (esign status ID): receipt, paper, a second approval, or the category confirmation (esign category confirm)"),
        ["next.paper"] = ("yalnızca kâğıt bekleyen (ıslak imza) başvurular kaydedilir; 2 nüsha gerekir", "only applications awaiting paper (wet-signed) are registered; 2 copies are needed"),
        ["next.delivery"] = ("teslimat sırası: KAMU SM'YE GÖNDERİLDİ → ÜRETİLDİ → YOLA ÇIKTI → (İADE → ADRES TEYİT → YOLA ÇIKTI) → TESLİM EDİLDİ; iade için --detail (neden), adres teyidi için --detail (kim)", "delivery order: sent-to-kamu-sm → produced → dispatched → (returned → address-confirmed → dispatched) → delivered; returned needs --detail (why), address-confirmed needs --detail (who)"),
        ["next.signInRefused"] = ("kartınızdaki sertifika oturum açmaya yetmiyor (iptal, güvenilmeyen veya nitelikli olmayan): durumu için esign check", "the certificate on your card cannot sign you in (revoked, untrusted or not qualified): see esign check"),
        ["next.token"] = ("kartı takın ve etiketini denetleyin: esign token list", "insert the card and check its label: esign token list"),
        ["next.pin"] = ("PIN'i denetleyin; kartlar birkaç yanlış denemeden sonra kilitlenir", "check the PIN; cards lock after a few wrong tries"),
        ["next.pinLocked"] = ("PIN kilitli: Kamu SM (444 5 576) ile görüşün", "the PIN is locked: call Kamu SM (444 5 576)"),
        ["next.pinMissing"] = ("PIN'i --pin-env DEĞİŞKEN veya --pin-stdin ile verin ya da terminalde çalıştırın", "give the PIN with --pin-env VAR or --pin-stdin, or run on a terminal"),
        ["next.certificate"] = ("kartta geçerli bir NES imza sertifikası yok: esign token show", "the card has no usable NES signing certificate: esign token show"),
    };

    public static string Get(Lang lang, string key, params object?[] args)
    {
        if (!All.TryGetValue(key, out var pair))
            throw new KeyNotFoundException($"no text '{key}'");
        var format = lang == Lang.En ? pair.En : pair.Tr;
        return args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);
    }

    /// <summary>For the unit test that every key has both languages.</summary>
    internal static IEnumerable<string> Keys => All.Keys;

    // Category, method and status names a person reads (the wire names stay machine codes in --json).
    public static string Category(Lang lang, Signing.Contracts.V1.ApplicantCategory c) => (c, lang) switch
    {
        (Signing.Contracts.V1.ApplicantCategory.Doctor, Lang.Tr) => "Doktor",
        (Signing.Contracts.V1.ApplicantCategory.Manager, Lang.Tr) => "Yönetici",
        (Signing.Contracts.V1.ApplicantCategory.FamilyPhysician, Lang.Tr) => "Aile Hekimi",
        (Signing.Contracts.V1.ApplicantCategory.Individual, Lang.Tr) => "Bireysel",
        (Signing.Contracts.V1.ApplicantCategory.Doctor, _) => "Doctor",
        (Signing.Contracts.V1.ApplicantCategory.Manager, _) => "Manager",
        (Signing.Contracts.V1.ApplicantCategory.FamilyPhysician, _) => "Family physician",
        (Signing.Contracts.V1.ApplicantCategory.Individual, _) => "Individual",
        _ => "?",
    };

    /// <summary>A roster category; "—" when none is known.</summary>
    public static string Staff(Lang lang, Signing.Contracts.V1.StaffCategory c) => (c, lang) switch
    {
        (Signing.Contracts.V1.StaffCategory.Manager, Lang.Tr) => "Yönetici",
        (Signing.Contracts.V1.StaffCategory.Doctor, Lang.Tr) => "Doktor",
        (Signing.Contracts.V1.StaffCategory.FamilyPhysician, Lang.Tr) => "Aile Hekimi",
        (Signing.Contracts.V1.StaffCategory.OtherStaff, Lang.Tr) => "Diğer Personel",
        (Signing.Contracts.V1.StaffCategory.Manager, _) => "Manager",
        (Signing.Contracts.V1.StaffCategory.Doctor, _) => "Doctor",
        (Signing.Contracts.V1.StaffCategory.FamilyPhysician, _) => "Family physician",
        (Signing.Contracts.V1.StaffCategory.OtherStaff, _) => "Other staff",
        _ => "—",
    };

    public static string Method(Lang lang, Signing.Contracts.V1.ConfirmationMethod m) => (m, lang) switch
    {
        (Signing.Contracts.V1.ConfirmationMethod.ESignature, Lang.Tr) => "e-imza",
        (Signing.Contracts.V1.ConfirmationMethod.EOnay, _) => "e-Onay",
        (Signing.Contracts.V1.ConfirmationMethod.WetSignature, Lang.Tr) => "ıslak imza",
        (Signing.Contracts.V1.ConfirmationMethod.ESignature, _) => "e-signature",
        (Signing.Contracts.V1.ConfirmationMethod.WetSignature, _) => "wet signature",
        _ => "?",
    };

    public static string HolderStatus(Lang lang, Signing.Contracts.V1.HolderStatus s) => (s, lang) switch
    {
        (Signing.Contracts.V1.HolderStatus.Valid, Lang.Tr) => "GEÇERLİ",
        (Signing.Contracts.V1.HolderStatus.Expiring, Lang.Tr) => "SÜRESİ DOLUYOR",
        (Signing.Contracts.V1.HolderStatus.Expired, Lang.Tr) => "SÜRESİ DOLMUŞ",
        (Signing.Contracts.V1.HolderStatus.NotYetValid, Lang.Tr) => "HENÜZ GEÇERLİ DEĞİL",
        (Signing.Contracts.V1.HolderStatus.Revoked, Lang.Tr) => "İPTAL EDİLMİŞ",
        (Signing.Contracts.V1.HolderStatus.Untrusted, Lang.Tr) => "GÜVENİLMEYEN",
        (Signing.Contracts.V1.HolderStatus.NotQualified, Lang.Tr) => "NİTELİKLİ DEĞİL",
        (Signing.Contracts.V1.HolderStatus.WrongHolder, Lang.Tr) => "BAŞKASINA AİT",
        _ => s.ToString().ToUpperInvariant(),
    };

    /// <summary>What an application lacks (RECEIPT, PAPER, SECOND_APPROVAL, CATEGORY_CONFIRMED), in words; unknown codes stay as they are.</summary>
    public static string Lack(Lang lang, string code) => (code, lang) switch
    {
        ("RECEIPT", Lang.Tr) => "DEKONT",
        ("PAPER", Lang.Tr) => "ISLAK İMZALI FORM",
        ("SECOND_APPROVAL", Lang.Tr) => "İKİNCİ ONAY",
        ("CATEGORY_CONFIRMED", Lang.Tr) => "KATEGORİ ONAYI",
        ("RECEIPT", _) => "receipt",
        ("PAPER", _) => "paper form",
        ("SECOND_APPROVAL", _) => "second approval",
        ("CATEGORY_CONFIRMED", _) => "category confirmation",
        _ => code,
    };

    /// <summary>Application states as the server names them (AWAITING_APPROVAL …), in words.</summary>
    public static string Status(Lang lang, string status)
    {
        if (lang == Lang.En)
            return status;
        return status switch
        {
            "AWAITING_PAPER" => "KÂĞIT BEKLENİYOR",
            "AWAITING_APPROVAL" => "ONAY BEKLİYOR",
            "APPROVED" => "ONAYLANDI",
            "REJECTED" => "REDDEDİLDİ",
            "WITHDRAWN" => "GERİ ÇEKİLDİ",
            "SENT_TO_KAMU_SM" or "IN_PRODUCTION" => "KAMU SM'DE ÜRETİMDE",
            "PRODUCED" => "ÜRETİLDİ",
            "DISPATCHED" => "KARGODA",
            "DELIVERED" => "TESLİM EDİLDİ",
            "RETURNED" or "RETURNED_TO_SENDER" => "İADE EDİLDİ",
            "ADDRESS_CONFIRMED" => "ADRES TEYİT EDİLDİ",
            "AWAITING_POSTAL_FORM" => "KAMU SM POSTAYI BEKLİYOR",
            "AWAITING_PRICE" => "KAMU SM ÜCRETİ BEKLENİYOR",
            "AWAITING_PAYMENT" => "ÖDEME BEKLENİYOR",
            "PAYMENT_PENDING" => "ÖDEME YANSIYOR",
            _ => status,
        } + (status.Length > 0 ? $" ({status})" : "");
    }
}
