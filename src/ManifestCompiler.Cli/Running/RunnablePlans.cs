using ManifestCompiler.Cli.Checking;
using ManifestCompiler.Workspace;

namespace ManifestCompiler.Cli.Running;

/// <summary>Compiles what <c>mfc run</c> and <c>mfc serve</c> are given as folders into one plan assembly in memory.</summary>
internal static class RunnablePlans
{
    /// <summary>
    /// The plan assembly image, with Python steps checked by python3; every diagnostic goes to
    /// <paramref name="error"/>, and generated code that does not compile is reported as the toolchain's bug. Null when
    /// there are errors.
    /// </summary>
    public static byte[]? Compile(ManifestWorkspace workspace, string assemblyName, string command, TextWriter error)
    {
        var built = Build(workspace, assemblyName);
        foreach (var diagnostic in built.Diagnostics)
        {
            error.WriteLine(diagnostic.ToString());
        }
        foreach (var problem in built.CompilerErrors)
        {
            error.WriteLine($"{command}: internal error in generated code: {problem}");
        }
        return built.Image;
    }

    /// <summary>The same build as <c>mfc build</c> (Python steps checked by python3), in memory, for callers that report diagnostics their own way.</summary>
    public static PlanBuildResult Build(ManifestWorkspace workspace, string assemblyName)
    {
        using var python = new CPythonStepChecker();
        return PlanAssemblyBuilder.Build(workspace, assemblyName, new CompilerOptions(python));
    }
}
