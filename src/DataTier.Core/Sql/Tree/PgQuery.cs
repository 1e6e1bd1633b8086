using System.Collections.Immutable;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// Managed calls into libpg_query: each copies the native result into managed memory, frees it, and turns a parser error
/// into a <see cref="PgQueryException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe: libpg_query works in a thread-local memory context per call (see <see cref="PgQueryNative"/>). Every call
/// re-parses its input; callers that need several results for one text (the analyser) pay one parse per call, and the
/// analysis is meant to be cached by the caller.
/// </para>
/// <para>
/// <b>Stack.</b> libpg_query 15-4.0.0 writes the JSON tree and normalizes with recursive C functions that never check the
/// stack (pganalyze/libpg_query#348 adds the check upstream): a left-deep chain such as <c>select 1+1+...+1</c> of 4,000
/// terms (8 KB of SQL) overflows a 1.5 MB thread-pool stack and kills the process with SIGSEGV, which no managed handler
/// can catch. Measured on this build: normalize needs about 390 bytes of stack per nesting level, the JSON output 130, and
/// the densest nesting costs 2 bytes of SQL per level, so a call needs at most <see cref="StackBytesPerInputByte"/> bytes of
/// stack per input byte. Inputs up to <see cref="InlineInputLimit"/> bytes therefore run on the caller's thread; longer ones
/// run on a thread of their own with a stack sized for the worst case (reserved, not committed, so mostly untouched), and
/// inputs over <see cref="MaxInputBytes"/> are refused.
/// </para>
/// </remarks>
internal static unsafe class PgQuery
{
    /// <summary>Worst-case native stack per byte of SQL (measured ~195 for normalize on <c>1+1+...</c>), rounded up.</summary>
    public const int StackBytesPerInputByte = 256;

    /// <summary>Inputs this long need at most 768 KB of native stack: safe on a 1.5 MB .NET thread with the caller's frames.</summary>
    public const int InlineInputLimit = 3 * 1024;

    /// <summary>Longer inputs are refused: their worst-case stack would pass 256 MB.</summary>
    public const int MaxInputBytes = (256 * 1024 * 1024 - LargeStackSlack) / StackBytesPerInputByte;

    private const int LargeStackSlack = 1024 * 1024;

    // The JSON tree names the function that raised an error; this one means the parser ran out of stack, not a syntax error.
    private const string StackDepthFunction = "check_stack_depth";

    /// <summary>The parse tree of every statement in the text, as libpg_query's JSON (UTF-8).</summary>
    /// <exception cref="PgQueryException">The text does not parse.</exception>
    /// <exception cref="DllNotFoundException">libpg_query is not installed.</exception>
    public static byte[] ParseToJson(PgQueryInput input) => WithEnoughStack(input, static i => ParseToJsonCore(i));

    private static byte[] ParseToJsonCore(PgQueryInput input)
    {
        PgQueryNative.ParseResult result;
        fixed (byte* sql = input.Utf8)
        {
            result = PgQueryNative.Parse(sql);
        }

        try
        {
            ThrowIfError(result.Error, input);
            return MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.ParseTree).ToArray();
        }
        finally
        {
            PgQueryNative.FreeParseResult(result);
        }
    }

    /// <summary>Splits the text into statements with PostgreSQL's grammar (so <c>;</c> in strings, dollar quotes and rules is handled).</summary>
    /// <exception cref="PgQueryException">The text does not parse (the parser-based split needs a valid text).</exception>
    public static ImmutableArray<PgStatementSpan> Split(string sql) => Split(PgQueryInput.Create(sql));

    /// <inheritdoc cref="Split(string)"/>
    public static ImmutableArray<PgStatementSpan> Split(PgQueryInput input) => WithEnoughStack(input, static i => SplitCore(i));

    private static ImmutableArray<PgStatementSpan> SplitCore(PgQueryInput input)
    {
        PgQueryNative.SplitResult result;
        fixed (byte* sql = input.Utf8)
        {
            result = PgQueryNative.SplitWithParser(sql);
        }

        try
        {
            ThrowIfError(result.Error, input);
            var spans = ImmutableArray.CreateBuilder<PgStatementSpan>(result.Count);
            for (int i = 0; i < result.Count; i++)
            {
                PgQueryNative.SplitStatement* statement = result.Statements[i];
                int start = input.ToCharOffset(statement->Location);
                int end = input.ToCharOffset(statement->Location + statement->Length);
                spans.Add(new PgStatementSpan(start, end - start));
            }

            return spans.MoveToImmutable();
        }
        finally
        {
            PgQueryNative.FreeSplitResult(result);
        }
    }

    /// <summary>
    /// libpg_query's fingerprint as 16 lower-case hex digits: equal for statements that differ only in constants,
    /// parameter numbers, comments, whitespace, keyword case, and the order of elements PostgreSQL treats as a set.
    /// </summary>
    /// <exception cref="PgQueryException">The text does not parse.</exception>
    public static string Fingerprint(string sql) => Fingerprint(PgQueryInput.Create(sql));

    /// <inheritdoc cref="Fingerprint(string)"/>
    public static string Fingerprint(PgQueryInput input) => WithEnoughStack(input, static i => FingerprintCore(i));

    private static string FingerprintCore(PgQueryInput input)
    {
        PgQueryNative.FingerprintResult result;
        fixed (byte* sql = input.Utf8)
        {
            result = PgQueryNative.Fingerprint(sql);
        }

        try
        {
            ThrowIfError(result.Error, input);
            return Utf8String(result.FingerprintText) ?? result.Fingerprint.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            PgQueryNative.FreeFingerprintResult(result);
        }
    }

    /// <summary>The text with every constant replaced by <c>$n</c>, numbered after the highest parameter already present.</summary>
    /// <remarks>Comments and spacing are kept as written; only constants change.</remarks>
    /// <exception cref="PgQueryException">The text does not parse.</exception>
    public static string Normalize(string sql) => Normalize(PgQueryInput.Create(sql));

    /// <inheritdoc cref="Normalize(string)"/>
    public static string Normalize(PgQueryInput input) => WithEnoughStack(input, static i => NormalizeCore(i));

    private static string NormalizeCore(PgQueryInput input)
    {
        PgQueryNative.NormalizeResult result;
        fixed (byte* sql = input.Utf8)
        {
            result = PgQueryNative.Normalize(sql);
        }

        try
        {
            ThrowIfError(result.Error, input);
            return Utf8String(result.NormalizedQuery) ?? "";
        }
        finally
        {
            PgQueryNative.FreeNormalizeResult(result);
        }
    }

    /// <summary>Runs a native call where its worst-case recursion fits: inline for short inputs, else on a thread with a stack sized for it.</summary>
    private static T WithEnoughStack<T>(PgQueryInput input, Func<PgQueryInput, T> call)
    {
        PgQueryLibrary.EnsureLoaded();
        if (input.Utf8Length <= InlineInputLimit)
        {
            return call(input);
        }

        if (input.Utf8Length > MaxInputBytes)
        {
            throw new PgQueryException(
                PgQueryException.StatementTooComplex,
                $"The SQL text is {input.Utf8Length} bytes of UTF-8; the parser accepts at most {MaxInputBytes}. Send it in smaller statements.");
        }

        int stackSize = input.Utf8Length * StackBytesPerInputByte + LargeStackSlack;
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = call(input);
                }
                catch (Exception exception)
                {
                    failure = ExceptionDispatchInfo.Capture(exception);
                }
            },
            stackSize)
        {
            IsBackground = true,
            Name = "libpg_query (large input)",
        };

        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static void ThrowIfError(PgQueryNative.Error* error, PgQueryInput input)
    {
        if (error == null)
        {
            return;
        }

        string message = Utf8String(error->Message) ?? "syntax error";
        string? function = Utf8String(error->FunctionName);
        int? position = error->CursorPosition > 0 ? error->CursorPosition : null;
        string sqlState = function == StackDepthFunction ? PgQueryException.StatementTooComplex : PgQueryException.SyntaxError;
        throw new PgQueryException(sqlState, message, position)
        {
            Offset = input.ToCharOffsetFromPosition(error->CursorPosition),
            FunctionName = function,
            FileName = Utf8String(error->FileName),
            LineNumber = error->LineNumber,
            Context = Utf8String(error->Context),
        };
    }

    private static string? Utf8String(byte* text) =>
        text == null ? null : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));
}
