return ManifestCompiler.Cli.Mfc.Run(args, Console.Out, Console.Error);
