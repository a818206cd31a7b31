// The Python step pool runs workers under bubblewrap and reads /proc: Linux only, like its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
