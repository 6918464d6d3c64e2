return Signing.Cli.Esign.Run(args);
