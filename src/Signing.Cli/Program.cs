using System.CommandLine;

var root = new RootCommand("esign — NES renewal desk tool (Signing)");
return root.Parse(args).Invoke();
