namespace DataTier.Core.Switchover;

/// <summary>The promoter may not promote the target (nothing was changed): a missing grant, typically.</summary>
public sealed class PromotionNotPermittedException : Exception
{
    /// <summary>Refused for the reason <paramref name="message"/> gives.</summary>
    public PromotionNotPermittedException(string message)
        : base(message)
    {
    }

    /// <summary>Refused by the error <paramref name="inner"/>.</summary>
    public PromotionNotPermittedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
