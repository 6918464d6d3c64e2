using Signing.Load.Cluster;

namespace Signing.Cluster.Tests;

/// <summary>
/// A test that needs HAProxy (and, for faults, root: runuser to restart PostgreSQL, signals to its processes). CI runs
/// as root and the Bootstrap target installs Debian's haproxy; elsewhere the test says why it did not run.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute(bool needsRoot = false)
    {
        if (Haproxy.Executable() is null)
            Skip = "haproxy is not installed: ./build.sh --target=Bootstrap (as root) installs Debian's haproxy";
        else if (needsRoot && Environment.UserName != "root")
            Skip = "injecting faults into the world's PostgreSQL needs root (runuser -u postgres, signals to its processes)";
    }
}

/// <summary>One at a time: each test starts its own nodes on two shared cores, and the officer's card has one session per process.</summary>
[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;
