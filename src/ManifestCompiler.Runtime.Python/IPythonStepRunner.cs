namespace ManifestCompiler.Runtime.Python;

/// <summary>
/// Runs one BOSSi Python step: what the runtime needs of the step pool. <see cref="PythonWorkerPool"/> is the one
/// implementation the hosts use; the seam lets a benchmark measure the host's own cost per run without the worker.
/// </summary>
public interface IPythonStepRunner
{
    /// <summary>Runs one step. Never throws for anything the step or its worker does: every failure is a result.</summary>
    Task<PythonStepResult> RunAsync(PythonStepRequest request, IStepEffectHandler handler, CancellationToken cancellationToken = default);
}
