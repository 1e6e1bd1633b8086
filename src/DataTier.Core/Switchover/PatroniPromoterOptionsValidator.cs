using Microsoft.Extensions.Options;

namespace DataTier.Core.Switchover;

/// <summary>
/// Validates the Patroni promoter's settings, collecting every error: with <c>Promoter</c> = <c>patroni</c> there must
/// be REST URLs to ask, each an absolute http(s) URL, and a read timeout below the promotion's own bound.
/// </summary>
internal sealed class PatroniPromoterOptionsValidator : IValidateOptions<SwitchoverOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SwitchoverOptions options)
    {
        if (!string.Equals(options.Promoter, PromoterNames.Patroni, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        var patroni = options.Patroni;
        if (patroni.RestUrls.Count == 0)
        {
            errors.Add("DataTier:Switchover:Promoter is 'patroni' but DataTier:Switchover:Patroni:RestUrls is empty; list the Patroni REST APIs (http://host:8008) of the shards' nodes.");
        }

        for (int i = 0; i < patroni.RestUrls.Count; i++)
        {
            string url = patroni.RestUrls[i];
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"DataTier:Switchover:Patroni:RestUrls:{i} is '{url}'; it must be an absolute http:// or https:// URL such as http://127.0.0.1:8008.");
            }
        }

        if (patroni.RequestTimeoutMs is < 100 or > 60_000)
        {
            errors.Add($"DataTier:Switchover:Patroni:RequestTimeoutMs is {patroni.RequestTimeoutMs}; it must be between 100 and 60000.");
        }
        else if (patroni.RequestTimeoutMs >= options.PromoteTimeoutMs)
        {
            errors.Add($"DataTier:Switchover:Patroni:RequestTimeoutMs is {patroni.RequestTimeoutMs}, not below DataTier:Switchover:PromoteTimeoutMs ({options.PromoteTimeoutMs}): one slow agent would use up the whole promotion.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
