using System.Runtime.CompilerServices;

// Tests reach the module's raw library to simulate a pulled-out token (C_CloseAllSessions).
[assembly: InternalsVisibleTo("Signing.Tokens.Tests")]
