using System.Collections.Immutable;
using System.Numerics;
using ManifestCompiler.Syntax.Text;

namespace ManifestCompiler.Syntax.Python;

/// <summary>
/// A Python expression of the webhook subset (grammars/python-expression.ebnf). The grammar reads a little more
/// than the subset (bitwise operators, sets, bare attributes, any call) so that <see cref="PythonChecker"/> can
/// name what is not allowed at its position instead of reporting a bare syntax error.
/// </summary>
public abstract record PyExpressionSyntax(SourceSpan Span);

public sealed record PyIntLiteral(BigInteger Value, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyFloatLiteral(double Value, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>True</c>, <c>False</c>.</summary>
public sealed record PyBoolLiteral(bool Value, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyNoneLiteral(SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary>
/// One or more adjacent string literals. Plain strings may hold <c>{{name}}</c> holes, which insert
/// <c>str(value)</c> as data; f-strings hold <c>{expr}</c> fields (and keep <c>{{</c> as Python's escaped brace).
/// </summary>
public sealed record PyStringLiteral(ImmutableArray<PyStringPart> Parts, SourceSpan Span) : PyExpressionSyntax(Span);

public abstract record PyStringPart(SourceSpan Span);

/// <summary>Literal text, escapes already decoded.</summary>
public sealed record PyTextPart(string Text, SourceSpan Span) : PyStringPart(Span);

/// <summary>
/// A <c>{{name}}</c> hole inside a plain string literal. <see cref="Text"/> is the hole as written (blanks
/// included): an unresolved hole keeps exactly that text.
/// </summary>
public sealed record PyHolePart(string Name, string Text, SourceSpan Span) : PyStringPart(Span);

/// <summary>An f-string field <c>{expr!conversion:spec}</c>.</summary>
public sealed record PyFieldPart(PyExpressionSyntax Expression, char? Conversion, string? FormatSpec, SourceSpan Span) : PyStringPart(Span);

/// <summary>A bare <c>{{name}}</c> hole in expression position: the value itself.</summary>
public sealed record PyHole(string Name, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyName(string Name, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyListDisplay(ImmutableArray<PyExpressionSyntax> Items, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyTupleDisplay(ImmutableArray<PyExpressionSyntax> Items, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyDictDisplay(ImmutableArray<(PyExpressionSyntax Key, PyExpressionSyntax Value)> Entries, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>{a, b}</c>: read so it can be reported; sets are outside the subset.</summary>
public sealed record PySetDisplay(ImmutableArray<PyExpressionSyntax> Items, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary>Parenthesized, kept so spans and messages can point at what the user wrote.</summary>
public sealed record PyParenthesized(PyExpressionSyntax Inner, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyUnary(PyUnaryOperator Operator, PyExpressionSyntax Operand, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyBinary(PyExpressionSyntax Left, PyBinaryOperator Operator, SourceSpan OperatorSpan, PyExpressionSyntax Right, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>a &lt; b &lt;= c</c>: each operator compares its neighbours, and the chain stops at the first false.</summary>
public sealed record PyComparison(PyExpressionSyntax First, ImmutableArray<(PyComparisonOperator Operator, PyExpressionSyntax Operand)> Rest, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>and</c>/<c>or</c> over two or more operands; the result is an operand, short-circuited.</summary>
public sealed record PyBoolOperation(bool IsAnd, ImmutableArray<PyExpressionSyntax> Operands, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyConditional(PyExpressionSyntax Body, PyExpressionSyntax Test, PyExpressionSyntax OrElse, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PySubscript(PyExpressionSyntax Target, PyExpressionSyntax Index, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>target[lower:upper:step]</c>, any part optional.</summary>
public sealed record PySlice(PyExpressionSyntax Target, PyExpressionSyntax? Lower, PyExpressionSyntax? Upper, PyExpressionSyntax? Step, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary><c>target.name</c>; only allowed as the callee of a listed method.</summary>
public sealed record PyAttribute(PyExpressionSyntax Target, string Name, SourceSpan NameSpan, SourceSpan Span) : PyExpressionSyntax(Span);

public sealed record PyArgument(string? Keyword, PyExpressionSyntax Value, SourceSpan Span);

public sealed record PyCall(PyExpressionSyntax Callee, ImmutableArray<PyArgument> Arguments, SourceSpan Span) : PyExpressionSyntax(Span);

/// <summary>A construct outside the subset that the grammar recognizes (lambda, comprehension, walrus, starred…).</summary>
public sealed record PyUnsupported(string What, SourceSpan Span) : PyExpressionSyntax(Span);
