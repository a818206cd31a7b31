namespace ManifestCompiler.Runtime.Support.Python;

// The operators of the webhook subset: the syntax tree names them, and the value operations (shared by the
// interpreter and generated code) dispatch on them.

public enum PyUnaryOperator
{
    Negate,
    Plus,
    Not,
    Invert,
}

public enum PyBinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Modulo,
    Power,
    MatrixMultiply,
    BitOr,
    BitXor,
    BitAnd,
    LeftShift,
    RightShift,
}

public enum PyComparisonOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
    Is,
    IsNot,
}
