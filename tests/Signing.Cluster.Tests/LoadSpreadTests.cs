using Signing.Load;

namespace Signing.Cluster.Tests;

/// <summary>The load driver's spreading over provinces: which codes a command takes, how the seeder and the pool divide the work.</summary>
public sealed class LoadSpreadTests
{
    [Fact]
    public void All_is_the_81_plate_codes_and_a_list_is_normalised_once_each()
    {
        var all = ProvinceList.Parse("all", "--tenants");
        Assert.Equal(81, all.Count);
        Assert.Equal("01", all[0]);
        Assert.Equal("81", all[^1]);
        Assert.Equal(new[] { "33", "01", "06" }, ProvinceList.Parse(" 33, 1,33,06 ", "--tenants"));
    }

    [Theory]
    [InlineData("99")]
    [InlineData("00")]
    [InlineData("33,abc")]
    [InlineData(" , ")]
    public void What_is_not_a_plate_code_is_refused_naming_the_option(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => ProvinceList.Parse(text, "--tenants"));
        Assert.StartsWith("--tenants", e.Message);
    }

    [Theory]
    [InlineData(0, 100_000, 81, 500)]
    [InlineData(10_000, 1_000_000, 81, 500)]
    [InlineData(7, 1_003, 2, 100)]
    [InlineData(0, 50, 81, 500)]
    public void The_seeders_transactions_cover_the_range_once_each_with_one_tenant_and_full_batches(long from, long to, int tenants, int perTransaction)
    {
        var items = Seeder.WorkItems(from, to, tenants, perTransaction);
        var seen = new HashSet<long>();
        foreach (var (tenant, first, count) in items)
        {
            Assert.InRange(count, 1, perTransaction);
            for (var k = 0L; k < count; k++)
            {
                var i = first + k * tenants;
                Assert.Equal(tenant, (int)(i % tenants));
                Assert.True(seen.Add(i), $"application {i} is in two transactions");
            }
        }
        Assert.Equal(to - from, seen.Count);
        Assert.Equal(from, seen.Min());
        Assert.Equal(to - 1, seen.Max());
        // Only each tenant's last transaction may be short: over 81 provinces the batches stay as large as over one.
        var perTenant = (to - from + tenants - 1) / tenants;
        Assert.True(items.Count <= tenants * ((perTenant + perTransaction - 1) / perTransaction),
            $"{items.Count} transactions for {to - from} applications over {tenants} tenants at {perTransaction} each");
    }

    [Fact]
    public void A_spread_pool_gives_the_nth_form_to_province_n_mod_N_each_applicant_once()
    {
        var world = WorldManifest.Load(LocalSetup.Discover().ManifestPath);
        string[] tenants = ["33", "01", "81"];
        var pool = IdentityPool.BuildSpread(world, tenants, 10, 3, "spread" + Guid.NewGuid().ToString("N")[..8], DateTimeOffset.UtcNow, cached: false, _ => { });
        Assert.Equal(10, pool.Count);
        for (var n = 0; n < pool.Count; n++)
        {
            using var content = new MemoryStream();
            new Org.BouncyCastle.Cms.CmsSignedData(pool[n].Cms).SignedContent.Write(content);
            var form = System.Text.Encoding.UTF8.GetString(content.ToArray());
            Assert.Contains($"\"tenant\": \"{tenants[n % 3]}\"", form);
        }
        Assert.Equal(pool.Count, pool.Select(p => p.Tckn).Distinct().Count());
        Assert.Equal(pool.Count, pool.Select(p => p.RequestId).Distinct().Count());
        Assert.Equal(Verification.Indication.TotalPassed, IdentityPool.VerifySample(world.Path, pool[^1]).Indication);
    }
}
