using Signing.TestKit;

namespace Signing.Foundation.Tests;

[CollectionDefinition(Name)]
public sealed class WorldCollection : ICollectionFixture<HsmWorldFixture>
{
    public const string Name = "hsm-sim world";
}
