using System.Runtime.InteropServices;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// The entry points of libpg_query 15 (<c>pg_query.h</c>) that DataTier uses, with the result structs they return by value.
/// </summary>
/// <remarks>
/// <para>
/// Every call parses its input from scratch inside a thread-local PostgreSQL memory context that libpg_query creates on
/// first use and resets before returning, so calls are safe from any number of threads at once. The strings a result
/// points at are <c>malloc</c>ed and belong to the caller until the matching <c>pg_query_free_*</c> call; <see cref="PgQuery"/>
/// copies what it needs and frees in <c>finally</c>. <c>pg_query_exit</c> (which frees the calling thread's top memory
/// context early) is not bound: a thread's context is freed when the thread exits, and the pool threads that call us live
/// for the process.
/// </para>
/// <para>
/// Only <see cref="PgQuery"/> calls these, after <see cref="PgQueryLibrary.EnsureLoaded"/> has registered the resolver that
/// maps <see cref="LibraryName"/> onto the file Debian installs.
/// </para>
/// </remarks>
internal static unsafe partial class PgQueryNative
{
    /// <summary>The name the resolver in <see cref="PgQueryLibrary"/> maps onto a file.</summary>
    public const string LibraryName = "pg_query";

    [LibraryImport(LibraryName, EntryPoint = "pg_query_parse")]
    public static partial ParseResult Parse(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_parse_result")]
    public static partial void FreeParseResult(ParseResult result);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_split_with_parser")]
    public static partial SplitResult SplitWithParser(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_split_result")]
    public static partial void FreeSplitResult(SplitResult result);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_fingerprint")]
    public static partial FingerprintResult Fingerprint(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_fingerprint_result")]
    public static partial void FreeFingerprintResult(FingerprintResult result);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_normalize")]
    public static partial NormalizeResult Normalize(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_normalize_result")]
    public static partial void FreeNormalizeResult(NormalizeResult result);

    /// <summary><c>PgQueryError</c>: <c>CursorPosition</c> is 1-based and counts characters (code points), 0 when absent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Error
    {
        public byte* Message;
        public byte* FunctionName;
        public byte* FileName;
        public int LineNumber;
        public int CursorPosition;
        public byte* Context;
    }

    /// <summary><c>PgQueryParseResult</c>: the parse tree as a NUL-terminated UTF-8 JSON text, or an error.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ParseResult
    {
        public byte* ParseTree;
        public byte* StderrBuffer;
        public Error* Error;
    }

    /// <summary><c>PgQuerySplitStmt</c>: a statement's byte offset and byte length in the UTF-8 input.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SplitStatement
    {
        public int Location;
        public int Length;
    }

    /// <summary><c>PgQuerySplitResult</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SplitResult
    {
        public SplitStatement** Statements;
        public int Count;
        public byte* StderrBuffer;
        public Error* Error;
    }

    /// <summary><c>PgQueryFingerprintResult</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FingerprintResult
    {
        public ulong Fingerprint;
        public byte* FingerprintText;
        public byte* StderrBuffer;
        public Error* Error;
    }

    /// <summary><c>PgQueryNormalizeResult</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NormalizeResult
    {
        public byte* NormalizedQuery;
        public Error* Error;
    }
}
