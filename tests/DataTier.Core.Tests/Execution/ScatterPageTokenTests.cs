using DataTier.Core.Errors;
using DataTier.Core.Execution;

namespace DataTier.Core.Tests.Execution;

/// <summary>The continuation token of keyset pages: what it keeps, and what it refuses.</summary>
public sealed class ScatterPageTokenTests
{
    [Fact]
    public void Sort_values_come_back_with_their_types()
    {
        object?[] key =
        [
            null, "team-7", 42L, 7, 12.50m, 0.1, true, new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Unspecified), Guid.Parse("6f0c2b0e-8d1e-4c55-9a53-0a4b8b0b2f11"),
        ];

        var (ring, values) = ScatterPageToken.Decode(ScatterPageToken.Encode("select 1", 9, key), "select 1");

        Assert.Equal(9, ring);
        Assert.Equal([null, "team-7", 42L, 7L, 12.50m, 0.1, true, key[7], key[8], key[9]], values);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)values[7]!).Kind);
        Assert.Equal(DateTimeKind.Unspecified, ((DateTime)values[8]!).Kind);
    }

    [Fact]
    public void Token_of_another_statement_is_refused()
    {
        string token = ScatterPageToken.Encode("select a from t order by a", 1, ["x"]);

        var error = Assert.Throws<DataTierException>(() => ScatterPageToken.Decode(token, "select b from t order by b"));

        Assert.Equal(ScatterPageToken.InvalidCode, error.Code);
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("e30")]
    public void Malformed_token_is_refused(string token)
    {
        var error = Assert.Throws<DataTierException>(() => ScatterPageToken.Decode(token, "select 1"));

        Assert.Equal(ScatterPageToken.InvalidCode, error.Code);
    }

    [Fact]
    public void Sort_value_of_an_unsupported_type_is_refused()
    {
        var error = Assert.Throws<DataTierException>(() => ScatterPageToken.Encode("select 1", 1, [TimeSpan.FromSeconds(1)]));

        Assert.Equal("page-sort-type-unsupported", error.Code);
    }
}
