namespace Signing.Revocation;

/// <summary>
/// Everything the fetching side is told: timeouts, refresh margins, the OCSP nonce, override URLs, CRL files for
/// installations without network, the timestamp authority. Plain settable properties so it binds from configuration;
/// <see cref="Validate"/> says what is wrong in words an operator can act on.
/// </summary>
public sealed class RevocationFetchOptions
{
    /// <summary>Limit for one HTTP exchange made by the background refresh (OCSP, CRL, TSA).</summary>
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a verification waits on a fetch for a certificate seen the first time (the fetch itself goes on).</summary>
    public TimeSpan OnDemandTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Whether OCSP is asked at all.</summary>
    public bool FetchOcsp { get; set; } = true;

    /// <summary>Whether CRLs are downloaded from the certificates' distribution points.</summary>
    public bool FetchCrls { get; set; } = true;

    /// <summary>Whether OCSP requests carry a 16-byte random nonce the response must echo.</summary>
    public bool OcspNonce { get; set; } = true;

    /// <summary>Whether a response without a nonce is taken when one was sent (responders serving pre-signed answers omit it).</summary>
    public bool OcspAcceptMissingNonce { get; set; }

    /// <summary>One responder for every certificate, instead of each certificate's AIA id-ad-ocsp URL.</summary>
    public string? OcspUrlOverride { get; set; }

    /// <summary>Responder per issuer (key: issuer certificate SHA-256 hex), before <see cref="OcspUrlOverride"/> and the AIA.</summary>
    public Dictionary<string, string> OcspUrlByIssuer { get; set; } = [];

    /// <summary>CRL URLs always kept fresh, besides those the certificates name.</summary>
    public List<string> CrlUrls { get; set; } = [];

    /// <summary>CRL files or directories (every *.crl, *.der, *.pem in it) read at start and re-read on each refresh tick.</summary>
    public List<string> CrlFiles { get; set; } = [];

    /// <summary>Share of a CRL's or OCSP answer's validity (thisUpdate..nextUpdate) before nextUpdate at which it is refreshed.</summary>
    public double RefreshFraction { get; set; } = 0.25;

    /// <summary>At least this long before nextUpdate a refresh starts (capped at the validity itself).</summary>
    public TimeSpan MinimumLead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The shortest time between two successful fetches of one source (an issuer with nothing newer is not hammered);
    /// shortened to a quarter of the validity for data valid for less than four times this.
    /// </summary>
    public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often data without nextUpdate is fetched again.</summary>
    public TimeSpan RefreshWithoutNextUpdate { get; set; } = TimeSpan.FromHours(1);

    /// <summary>First wait after a failed fetch; doubled on each further failure up to <see cref="RetryMaximum"/>.</summary>
    public TimeSpan RetryInitial { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaximum { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the refresh loop looks for due work.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often data written by another node is read from PostgreSQL.</summary>
    public TimeSpan StorePollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many background OCSP fetches (a first-seen certificate's answer for its next verification, an answer renewed
    /// before its nextUpdate) may start in one second; the rest wait for later ticks. A request that has no usable
    /// revocation data at all never waits for this budget. It keeps a flood of new certificates from doubling the
    /// server's work per request and from hammering the certificate authority's responder, which may throttle or block
    /// a client that floods it.
    /// </summary>
    public int BackgroundOcspPerSecond { get; set; } = 50;

    /// <summary>OCSP answers are kept fresh for certificates verified within this window.</summary>
    public TimeSpan OcspRecentlySeen { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An OCSP responder, or a CRL URL never yet fetched, failing for longer than this makes the health unhealthy.</summary>
    public TimeSpan UnhealthyAfterFailing { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxOcspResponseBytes { get; set; } = 1 << 20;

    /// <summary>Kamu SM's complete CRLs are large; this only stops an endless or hostile body.</summary>
    public long MaxCrlBytes { get; set; } = 256L << 20;

    /// <summary>The RFC 3161 timestamp authority's URL, or null when none is used.</summary>
    public string? TsaUrl { get; set; }

    /// <summary>TSA policy OID requested (reqPolicy), or null for the TSA's default.</summary>
    public string? TsaPolicyOid { get; set; }

    public TimeSpan TsaTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxTsaResponseBytes { get; set; } = 1 << 20;

    /// <summary>Every problem of these options, each a sentence naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
                problems.Add($"{name} must be positive (it is {value}).");
        }
        void Url(string? value, string name)
        {
            if (value is not null && !IsHttpUrl(value))
                problems.Add($"{name} must be an absolute http or https URL ('{value}' is not).");
        }
        Positive(HttpTimeout, nameof(HttpTimeout));
        Positive(OnDemandTimeout, nameof(OnDemandTimeout));
        Positive(MinimumInterval, nameof(MinimumInterval));
        Positive(RefreshWithoutNextUpdate, nameof(RefreshWithoutNextUpdate));
        Positive(RetryInitial, nameof(RetryInitial));
        Positive(RetryMaximum, nameof(RetryMaximum));
        Positive(TickInterval, nameof(TickInterval));
        Positive(StorePollInterval, nameof(StorePollInterval));
        Positive(OcspRecentlySeen, nameof(OcspRecentlySeen));
        Positive(UnhealthyAfterFailing, nameof(UnhealthyAfterFailing));
        Positive(TsaTimeout, nameof(TsaTimeout));
        if (BackgroundOcspPerSecond < 1)
            problems.Add($"{nameof(BackgroundOcspPerSecond)} must be at least 1 (it is {BackgroundOcspPerSecond}).");
        if (MinimumLead < TimeSpan.Zero)
            problems.Add($"{nameof(MinimumLead)} must not be negative (it is {MinimumLead}).");
        if (RetryMaximum < RetryInitial)
            problems.Add($"{nameof(RetryMaximum)} ({RetryMaximum}) must not be shorter than {nameof(RetryInitial)} ({RetryInitial}).");
        if (OnDemandTimeout > HttpTimeout)
            problems.Add($"{nameof(OnDemandTimeout)} ({OnDemandTimeout}) must not exceed {nameof(HttpTimeout)} ({HttpTimeout}): a verification would wait on a fetch already abandoned.");
        if (double.IsNaN(RefreshFraction) || RefreshFraction is < 0 or >= 1)
            problems.Add($"{nameof(RefreshFraction)} must be at least 0 and below 1 (it is {RefreshFraction}).");
        if (MaxOcspResponseBytes <= 0)
            problems.Add($"{nameof(MaxOcspResponseBytes)} must be positive.");
        if (MaxCrlBytes <= 0)
            problems.Add($"{nameof(MaxCrlBytes)} must be positive.");
        if (MaxTsaResponseBytes <= 0)
            problems.Add($"{nameof(MaxTsaResponseBytes)} must be positive.");
        Url(OcspUrlOverride, nameof(OcspUrlOverride));
        Url(TsaUrl, nameof(TsaUrl));
        foreach (var (issuer, url) in OcspUrlByIssuer)
        {
            if (issuer.Length != 64 || !issuer.All(Uri.IsHexDigit))
                problems.Add($"{nameof(OcspUrlByIssuer)}: key '{issuer}' is not an issuer certificate's SHA-256 (64 hex digits).");
            Url(url, $"{nameof(OcspUrlByIssuer)}[{issuer}]");
        }
        foreach (var url in CrlUrls)
            Url(url, nameof(CrlUrls));
        foreach (var path in CrlFiles)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
                problems.Add($"{nameof(CrlFiles)}: '{path}' is neither a file nor a directory.");
        }
        if (TsaPolicyOid is not null && !System.Text.RegularExpressions.Regex.IsMatch(TsaPolicyOid, @"^[0-2](\.\d+)+$"))
            problems.Add($"{nameof(TsaPolicyOid)} '{TsaPolicyOid}' is not a dotted OID.");
        return problems;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> listing every problem found by <see cref="Validate"/>.</summary>
    public RevocationFetchOptions ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
            throw new InvalidOperationException("Revocation fetch options are invalid: " + string.Join(" ", problems));
        return this;
    }

    internal static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>The wait before the next attempt after <paramref name="failures"/> failures in a row.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var ticks = RetryInitial.Ticks * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        return ticks >= RetryMaximum.Ticks ? RetryMaximum : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>When data valid from <paramref name="thisUpdate"/> to <paramref name="nextUpdate"/>, fetched at <paramref name="fetchedAt"/>, is fetched again.</summary>
    internal DateTimeOffset RefreshAt(DateTime thisUpdate, DateTime? nextUpdate, DateTimeOffset fetchedAt)
    {
        if (nextUpdate is not { } next)
            return fetchedAt + RefreshWithoutNextUpdate;
        var validity = next - thisUpdate;
        if (validity < TimeSpan.Zero)
            validity = TimeSpan.Zero;
        var lead = TimeSpan.FromTicks(Math.Max((long)(validity.Ticks * RefreshFraction), MinimumLead.Ticks));
        if (lead > validity)
            lead = validity;
        var at = new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) - lead;
        // Short-lived data (a CRL valid for seconds) is polled more often than MinimumInterval, or it would lapse.
        var gap = validity / 4 < MinimumInterval ? validity / 4 : MinimumInterval;
        var earliest = fetchedAt + gap;
        return at > earliest ? at : earliest;
    }
}
