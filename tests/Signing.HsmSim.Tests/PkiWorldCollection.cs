using Signing.TestKit;

namespace Signing.HsmSim.Tests;

[CollectionDefinition(PkiWorld.Collection)]
public sealed class PkiWorldCollection : ICollectionFixture<PkiServices>;
