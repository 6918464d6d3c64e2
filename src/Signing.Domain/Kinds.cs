namespace Signing.Domain;

/// <summary>Who is renewing, which decides who pays and where the application goes.</summary>
public enum ApplicantCategory
{
    /// <summary>Yönetici: renews own NES, the institution pays, directorate queue.</summary>
    Manager,
    /// <summary>Doktor: renews own NES, the institution pays, directorate queue.</summary>
    Doctor,
    /// <summary>Aile Hekimi: pays the fee personally (bank transfer + receipt), directorate queue.</summary>
    FamilyPhysician,
    /// <summary>Bireysel başvuru: applies to Kamu SM directly and pays Kamu SM; the directorate only tracks it.</summary>
    Individual,
}

/// <summary>How the application form is confirmed.</summary>
public enum ConfirmationMethod
{
    /// <summary>CAdES/CMS signature with the applicant's still-valid NES: straight onto the officer's queue.</summary>
    ESignature,
    /// <summary>e-Onay: an electronic consent confirmed through e-Devlet (the state's identity); reflected at once.</summary>
    EOnay,
    /// <summary>Islak imza: printed (2 copies), signed by hand, delivered to the desk (or posted to Kamu SM).</summary>
    WetSignature,
}

/// <summary>Başvuru nedeni. Only YENİLEME (renewal) is this product's flow; the others are refused.</summary>
public enum ApplicationReason
{
    Yenileme,
    IlkBasvuru,
    KayipCalinti,
}

/// <summary>The certificate kind applied for. Only NES (qualified, law 5070) is renewed here.</summary>
public enum CertificateKind
{
    Nes,
    MaliMuhur,
}

/// <summary>ETSI EN 319 102-1 style main indication of a verification, as reported by the verification engine.</summary>
public enum Indication
{
    Passed,
    Failed,
    Indeterminate,
}

/// <summary>Where an application goes once submitted.</summary>
public enum ApplicationRoute
{
    /// <summary>E-signed or e-Onay: on the officer's approval queue at once.</summary>
    DirectorateQueue,
    /// <summary>Wet-signed: waits for the 2 paper copies at the officer's desk.</summary>
    DirectoratePaper,
    /// <summary>Individual, e-signed or e-Onay at Kamu SM's portal: the form is at Kamu SM already.</summary>
    KamuSmOnline,
    /// <summary>Individual with an expired token: wet-signed form posted to Kamu SM (Gebze).</summary>
    KamuSmPostal,
}

public enum ApplicationStatus
{
    None,
    AwaitingPaper,
    AwaitingApproval,
    Approved,
    Rejected,
    Withdrawn,
    AwaitingPostalForm,
    AwaitingPrice,
    AwaitingPayment,
    PaymentPending,
    InProduction,
    Produced,
    Dispatched,
    Delivered,
    ReturnedToSender,
    AddressConfirmed,
}

/// <summary>What an item on the officer's queue still lacks before it can be approved.</summary>
public enum Lack
{
    Paper,
    Receipt,
    SecondApproval,
    /// <summary>The roster did not confirm the applicant's category: an officer confirms it.</summary>
    CategoryConfirmed,
}

/// <summary>What an officer decides on an application on the queue. No zero: a missing decision is none of these.</summary>
public enum OfficerDecision
{
    Approve = 1,
    Reject = 2,
}
