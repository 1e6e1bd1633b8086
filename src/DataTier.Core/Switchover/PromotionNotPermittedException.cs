namespace DataTier.Core.Switchover;

/// <summary>The promoter may not promote the target (nothing was changed): a missing grant, typically.</summary>
public sealed class PromotionNotPermittedException(string message, Exception inner) : Exception(message, inner);
