namespace DataTier.CommandLine;

/// <summary>
/// The command line parsed but cannot be run as given (a value out of its form, two options that exclude each other);
/// the message says what to change. It ends the program with the usage exit code and the command's usage.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
