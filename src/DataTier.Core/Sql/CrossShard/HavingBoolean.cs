namespace DataTier.Core.Sql.CrossShard;

/// <summary>AND, OR and NOT with SQL's three-valued logic (null is unknown).</summary>
internal sealed class HavingBoolean(HavingBoolean.Operator op, HavingNode[] operands) : HavingNode
{
    public enum Operator : byte
    {
        And,
        Or,
        Not,
    }

    public override object? Evaluate(object?[] row, in CrossShardLayout layout)
    {
        if (op == Operator.Not)
        {
            return operands[0].Evaluate(row, layout) is bool b ? !b : null;
        }

        bool unknown = false;
        foreach (var operand in operands)
        {
            object? value = operand.Evaluate(row, layout);
            if (value is not bool b)
            {
                unknown = true;
            }
            else if (b == (op == Operator.Or))
            {
                // true decides an OR, false an AND, whatever the other operands are.
                return b;
            }
        }

        return unknown ? null : op == Operator.And;
    }
}
