using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>The valid_policy_tree of RFC 5280 §6.1.2 (a), with the operations of §6.1.3 (d), §6.1.4 (b) and §6.1.5 (g).</summary>
internal sealed class PolicyTree
{
    public const string AnyPolicy = "2.5.29.32.0";

    internal sealed class Node(string validPolicy, Asn1Sequence? qualifiers, HashSet<string> expected, Node? parent, int depth)
    {
        public string ValidPolicy { get; } = validPolicy;
        public Asn1Sequence? Qualifiers { get; } = qualifiers;
        public HashSet<string> ExpectedPolicySet { get; set; } = expected;
        public Node? Parent { get; } = parent;
        public int Depth { get; } = depth;
        public List<Node> Children { get; } = [];
    }

    private readonly List<List<Node>> levels = [];

    public PolicyTree() => levels.Add([new Node(AnyPolicy, null, [AnyPolicy], null, 0)]);

    private PolicyTree(bool empty) => _ = empty;

    /// <summary>A deep copy (nodes and expected sets; qualifiers are immutable ASN.1 and shared).</summary>
    public PolicyTree Clone()
    {
        var copy = new PolicyTree(empty: true);
        var map = new Dictionary<Node, Node>(ReferenceEqualityComparer.Instance);
        foreach (var level in levels)
        {
            var newLevel = new List<Node>(level.Count);
            foreach (var node in level)
            {
                var parent = node.Parent is null ? null : map[node.Parent];
                var n = new Node(node.ValidPolicy, node.Qualifiers, [.. node.ExpectedPolicySet], parent, node.Depth);
                // Levels list siblings in the order of their parent's Children (Add and Remove keep both in step).
                parent?.Children.Add(n);
                map[node] = n;
                newLevel.Add(n);
            }
            copy.levels.Add(newLevel);
        }
        return copy;
    }

    public bool IsEmpty => levels[0].Count == 0;

    private Node Add(Node parent, string policy, Asn1Sequence? qualifiers, HashSet<string> expected)
    {
        var node = new Node(policy, qualifiers, expected, parent, parent.Depth + 1);
        parent.Children.Add(node);
        while (levels.Count <= node.Depth)
            levels.Add([]);
        levels[node.Depth].Add(node);
        return node;
    }

    private void Remove(Node node)
    {
        foreach (var child in node.Children.ToList())
            Remove(child);
        node.Parent?.Children.Remove(node);
        levels[node.Depth].Remove(node);
    }

    /// <summary>Deletes every node of depth &lt; <paramref name="depth"/> without children, bottom up.</summary>
    public void Prune(int depth)
    {
        for (var d = Math.Min(depth, levels.Count) - 1; d >= 0; d--)
        {
            foreach (var node in levels[d].Where(n => n.Children.Count == 0).ToList())
                Remove(node);
        }
    }

    /// <summary>§6.1.3 (d) for certificate i.</summary>
    public void ProcessCertificatePolicies(CertificatePolicies policies, int i, bool anyPolicyAllowed)
    {
        var parents = i - 1 < levels.Count ? levels[i - 1].ToList() : [];
        Asn1Sequence? anyQualifiers = null;
        var hasAny = false;
        foreach (var info in policies.GetPolicyInformation())
        {
            var p = info.PolicyIdentifier.Id;
            if (p == AnyPolicy)
            {
                hasAny = true;
                anyQualifiers = info.PolicyQualifiers;
                continue;
            }
            var matched = false;
            foreach (var parent in parents.Where(n => n.ExpectedPolicySet.Contains(p)))
            {
                Add(parent, p, info.PolicyQualifiers, [p]);
                matched = true;
            }
            if (!matched)
            {
                foreach (var parent in parents.Where(n => n.ValidPolicy == AnyPolicy))
                    Add(parent, p, info.PolicyQualifiers, [p]);
            }
        }
        if (hasAny && anyPolicyAllowed)
        {
            foreach (var parent in parents)
            {
                foreach (var expected in parent.ExpectedPolicySet.ToList())
                {
                    if (parent.Children.All(c => c.ValidPolicy != expected))
                        Add(parent, expected, anyQualifiers, [expected]);
                }
            }
        }
        Prune(i);
    }

    /// <summary>§6.1.4 (b) for the mappings of certificate i.</summary>
    public void ApplyMappings(Dictionary<string, HashSet<string>> mappings, int i, bool mappingAllowed)
    {
        if (i >= levels.Count)
            return;
        foreach (var (issuerPolicy, subjectPolicies) in mappings)
        {
            var nodes = levels[i].Where(n => n.ValidPolicy == issuerPolicy).ToList();
            if (mappingAllowed)
            {
                if (nodes.Count > 0)
                {
                    foreach (var n in nodes)
                        n.ExpectedPolicySet = [.. subjectPolicies];
                }
                else
                {
                    foreach (var any in levels[i].Where(n => n.ValidPolicy == AnyPolicy).ToList())
                        Add(any.Parent!, issuerPolicy, any.Qualifiers, [.. subjectPolicies]);
                }
            }
            else
            {
                foreach (var n in nodes)
                    Remove(n);
            }
        }
        if (!mappingAllowed)
            Prune(i);
    }

    /// <summary>§6.1.5 (g): intersect with the user-initial-policy-set (null = anyPolicy).</summary>
    public void Intersect(IReadOnlySet<string>? userPolicies, int n)
    {
        if (userPolicies is null || userPolicies.Contains(AnyPolicy) || IsEmpty)
            return;
        var validSet = levels.SelectMany(l => l).Where(x => x.Parent?.ValidPolicy == AnyPolicy).ToList();
        foreach (var node in validSet)
        {
            if (node.ValidPolicy != AnyPolicy && !userPolicies.Contains(node.ValidPolicy))
                Remove(node);
        }
        if (n < levels.Count)
        {
            foreach (var anyLeaf in levels[n].Where(x => x.ValidPolicy == AnyPolicy).ToList())
            {
                var present = validSet.Where(x => levels[x.Depth].Contains(x)).Select(x => x.ValidPolicy).ToHashSet();
                foreach (var p in userPolicies.Where(p => !present.Contains(p)))
                    Add(anyLeaf.Parent!, p, anyLeaf.Qualifiers, [p]);
                Remove(anyLeaf);
            }
        }
        Prune(n);
    }

    /// <summary>The policies the path is valid for (valid_policy of the leaves at depth n, with anyPolicy ancestry resolved).</summary>
    public IReadOnlyList<string> AuthorityConstrainedPolicies(int n)
    {
        if (IsEmpty || n >= levels.Count)
            return [];
        return levels[n].Select(x => x.ValidPolicy).Distinct().ToList();
    }
}
