using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using ManifestCompiler.Sources;

namespace ManifestCompiler.Workspace;

/// <summary>
/// Checks Python steps with the real CPython, never running them: <c>ast.parse</c> for syntax errors and
/// <c>symtable</c> for scoping (which names each module reads from its globals without binding them). One
/// <c>python3 -I -S</c> process serves every <see cref="Check"/> of this instance (a JSON line in, a JSON line out),
/// so <c>mfc check</c> starts one process however many integrations it reads. The interpreter is <c>MC_PYTHON</c> when
/// set, else <c>python3</c> on the PATH. Not thread-safe: one check at a time.
/// </summary>
public sealed class CPythonStepChecker : IPythonSyntaxChecker, IDisposable
{
    // Reads one JSON array of {path, text} per line, answers one JSON array of facts per line. Columns are converted
    // from CPython's UTF-8 byte offsets to characters of the line (lines split at '\n', as the compiler counts them).
    private const string Script = """
        import ast, json, symtable, sys

        _NAMES = {ast.Lambda: 'lambda', ast.ListComp: 'listcomp', ast.SetComp: 'setcomp', ast.DictComp: 'dictcomp', ast.GeneratorExp: 'genexpr'}

        class Reads(ast.NodeVisitor):
            # Name loads that resolve to module globals in the scope CPython's symtable gives them.
            def __init__(self):
                self.reads, self.names, self.children = [], set(), {}

            def scope(self, table, nodes):
                saved = self.names, self.children
                symbols = table.get_symbols()
                if table.get_type() == 'module':
                    self.names = {s.get_name() for s in symbols if s.is_referenced()}
                else:
                    self.names = {s.get_name() for s in symbols if s.is_referenced() and s.is_global()}
                self.children = {}
                for child in table.get_children():
                    self.children.setdefault((child.get_name(), child.get_lineno()), []).append(child)
                for node in nodes:
                    if node is not None:
                        self.visit(node)
                self.names, self.children = saved

            def visit_Name(self, node):
                if isinstance(node.ctx, ast.Load) and node.id in self.names:
                    self.reads.append((node.id, node.lineno, node.col_offset))

            def enter(self, node, outer, inner):
                for item in outer:
                    if item is not None:
                        self.visit(item)
                queue = self.children.get((getattr(node, 'name', None) or _NAMES[type(node)], node.lineno))
                if queue:  # no table (a newer CPython may inline a scope): skip it rather than guess
                    self.scope(queue.pop(0), inner)

            def function(self, node):
                a = node.args
                outer = list(getattr(node, 'decorator_list', [])) + a.defaults + a.kw_defaults
                outer += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x is not None]
                outer.append(getattr(node, 'returns', None))
                self.enter(node, outer, node.body if isinstance(node.body, list) else [node.body])

            visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = function

            def visit_ClassDef(self, node):
                self.enter(node, node.decorator_list + node.bases + [k.value for k in node.keywords], node.body)

            def comprehension(self, node):
                first = node.generators[0]
                inner = [first.target] + first.ifs
                for g in node.generators[1:]:
                    inner += [g.target, g.iter] + g.ifs
                inner += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                self.enter(node, [first.iter], inner)

            visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = comprehension

        def module_bindings(table):
            bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
            pending = list(table.get_children())
            while pending:
                child = pending.pop()
                pending.extend(child.get_children())
                bound.update(s.get_name() for s in child.get_symbols() if s.is_declared_global() and s.is_assigned())
            return bound

        def column(lines, line, offset):
            text = lines[line - 1] if 0 < line <= len(lines) else ''
            return len(text.encode('utf-8', 'surrogatepass')[:offset].decode('utf-8', 'replace')) + 1

        def facts(path, text):
            try:
                tree = ast.parse(text, filename=path)
                table = symtable.symtable(text, path, 'exec')
            except SyntaxError as e:
                return {'path': path, 'errors': [{'line': e.lineno or 1, 'column': e.offset or 1, 'message': e.msg}]}
            except (ValueError, RecursionError, MemoryError) as e:
                return {'path': path, 'errors': [{'line': 1, 'column': 1, 'message': str(e)}]}
            try:
                bound = module_bindings(table)
                visitor = Reads()
                visitor.scope(table, tree.body)
            except RecursionError:
                return {'path': path, 'errors': []}  # too deep to walk: syntax is fine, scopes unknown
            lines = text.split('\n')
            reads = [{'name': n, 'line': l, 'column': column(lines, l, c)} for n, l, c in visitor.reads if n not in bound]
            return {'path': path, 'errors': [], 'defined': sorted(bound), 'reads': reads}

        for line in sys.stdin:
            print(json.dumps([facts(item['path'], item['text']) for item in json.loads(line)]), flush=True)
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _interpreter;
    private Process? _process;
    private string? _unavailable;

    /// <summary>
    /// A checker running <paramref name="interpreter"/>; by default <c>MC_PYTHON</c> when set, else <c>python3</c> on
    /// the PATH (tests name theirs, so no test changes the environment another reads).
    /// </summary>
    public CPythonStepChecker(string? interpreter = null)
    {
        _interpreter = interpreter is { Length: > 0 } ? interpreter
            : Environment.GetEnvironmentVariable("MC_PYTHON") is { Length: > 0 } configured ? configured
            : "python3";
    }

    /// <summary>How many python3 processes this checker started (one, unless one died or timed out).</summary>
    public int ProcessesStarted { get; private set; }

    public PythonSyntaxReport Check(IReadOnlyList<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (_unavailable is { } reason)
        {
            return PythonSyntaxReport.Unavailable(reason);
        }
        if (_process is null && Start() is { } failure)
        {
            _unavailable = failure;
            return PythonSyntaxReport.Unavailable(failure);
        }
        var process = _process!;
        var request = JsonSerializer.Serialize(files.Select(f => new { path = f.Path, text = f.Text }));
        string? answer;
        try
        {
            process.StandardInput.WriteLine(request);
            process.StandardInput.Flush();
            var read = process.StandardOutput.ReadLineAsync();
            if (!read.Wait(Timeout))
            {
                Stop();
                return PythonSyntaxReport.Unavailable($"'{_interpreter}' did not finish within {Timeout.TotalSeconds:0} s");
            }
            answer = read.Result;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or AggregateException)
        {
            Stop();
            return PythonSyntaxReport.Unavailable($"'{_interpreter}' stopped early ({e.GetBaseException().Message})");
        }
        if (answer is null)
        {
            var error = process.StandardError.ReadToEnd().Trim();
            Stop();
            return PythonSyntaxReport.Unavailable($"'{_interpreter}' exited early: {error}");
        }
        try
        {
            return Read(answer);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return PythonSyntaxReport.Unavailable($"'{_interpreter}' gave unreadable output ({e.Message})");
        }
    }

    private static PythonSyntaxReport Read(string answer)
    {
        using var document = JsonDocument.Parse(answer);
        var errors = ImmutableArray.CreateBuilder<PythonSyntaxError>();
        var modules = ImmutableArray.CreateBuilder<PythonModuleScopes>();
        foreach (var file in document.RootElement.EnumerateArray())
        {
            var path = file.GetProperty("path").GetString()!;
            foreach (var e in file.GetProperty("errors").EnumerateArray())
            {
                errors.Add(new PythonSyntaxError(path, e.GetProperty("line").GetInt32(), e.GetProperty("column").GetInt32(), e.GetProperty("message").GetString()!));
            }
            if (file.TryGetProperty("reads", out var reads))
            {
                modules.Add(new PythonModuleScopes(
                    path,
                    [.. file.GetProperty("defined").EnumerateArray().Select(d => d.GetString()!)],
                    [.. reads.EnumerateArray().Select(r => new PythonGlobalRead(r.GetProperty("name").GetString()!, r.GetProperty("line").GetInt32(), r.GetProperty("column").GetInt32()))]));
            }
        }
        return new PythonSyntaxReport(null, errors.ToImmutable(), modules.ToImmutable());
    }

    private string? Start()
    {
        var start = new ProcessStartInfo(_interpreter)
        {
            ArgumentList = { "-I", "-S", "-c", Script },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        // Files are JSON-escaped on the way in; the answers are ASCII JSON. -I ignores PYTHON* variables, and UTF-8
        // mode keeps stdin's decoding independent of the locale.
        start.Environment["PYTHONUTF8"] = "1";
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("the process did not start");
            ProcessesStarted++;
            return null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"'{_interpreter}' could not be started ({e.Message})";
        }
    }

    private void Stop()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
        }
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            try
            {
                process.StandardInput.Close(); // the script's loop ends at end of input
                if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
            _process = null;
        }
    }
}
