using RhymeFlow.Host.Models;
using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Models.CogVideoX;

/// <summary>The joint attention with a reduction of its video tokens, against a plain gather/attend/scatter reference.</summary>
public sealed class CogVideoXAttentionTests
{
    private const int Batch = 2;
    private const int TextTokens = 7;
    private const int TokensPerTemporalToken = 24; // an 8 × 12 latent in 2 × 2 patches

    [Fact]
    public void AReducedKeyframeAttentionKeepsTheTextAndMatchesAPlainReference()
    {
        var config = CogVideoXConfig.FromJson(CogVideoXTiny.ConfigPath);
        var (heads, headDim, dim) = ((long)config.NumAttentionHeads, (long)config.AttentionHeadDim, (long)config.InnerDim);
        using var attention = new CogVideoXAttention(config, ScalarType.Float32, CPU);
        var weights = FixtureTensors.ReadAll(CogVideoXTiny.WeightsPath);
        const string prefix = "transformer_blocks.0.attn1.";
        attention.load_state_dict(weights.Where(w => w.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(w => w.Key[prefix.Length..], w => w.Value));
        FixtureTensors.DisposeAll(weights);

        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var tokens = randn([Batch, TextTokens + TokensPerTemporalToken, dim], generator: generator);
        var extraKey = randn([Batch, heads, TokensPerTemporalToken, headDim], generator: generator);
        var extraValue = randn([Batch, heads, TokensPerTemporalToken, headDim], generator: generator);
        var (cos, sin) = CogVideoXRotaryEmbedding.Table((int)headDim, [1], 4, 6, CPU);

        // Temporal token 1 is computed; token 0's keys/values come from a recording.
        var probe = new RecordingReduction(new EveryOtherQueryReduction());
        var site = new SelfAttentionSite(probe, 0, new VideoTokenLayout([1], 4, 6), new VideoTokenLayout([1, 0], 4, 6));
        var actual = attention.Forward(tokens, new AttentionInputs(TextTokens, cos, sin, (extraKey, extraValue), null, site));

        var call = Assert.Single(probe.Calls);
        Assert.Equal((24L, 48L, 12L, 32L), (call.QueryRows, call.KeyValueRows, call.AttendedQueries, call.AttendedKeyValues));

        // The plain reference, from the module's weights: project, per-head LayerNorm, rotate the video tokens, gather
        // the kept ones, attend with every text token, scatter, project out.
        var state = attention.state_dict();
        Tensor Project(string name, Tensor x) => nn.functional.linear(x, state[$"{name}.weight"], state[$"{name}.bias"]);
        Tensor Heads(Tensor x) => x.view(Batch, -1, heads, headDim).transpose(1, 2);
        Tensor Norm(string name, Tensor x) => nn.functional.layer_norm(x, [headDim], state[$"{name}.weight"], state[$"{name}.bias"], CogVideoXConfig.QkNormEps);
        var query = Norm("norm_q", Heads(Project("to_q", tokens)));
        var key = Norm("norm_k", Heads(Project("to_k", tokens)));
        var value = Heads(Project("to_v", tokens));
        Tensor Video(Tensor x) => x.narrow(2, TextTokens, TokensPerTemporalToken);
        Tensor Text(Tensor x) => x.narrow(2, 0, TextTokens);

        var keptQueries = tensor(EveryOtherQueryReduction.KeptQueries(TokensPerTemporalToken));
        var keptKeyValues = tensor(EveryOtherQueryReduction.KeptKeyValues(2 * TokensPerTemporalToken));
        var restore = tensor(EveryOtherQueryReduction.RestoreRows(TokensPerTemporalToken));
        var videoQuery = CogVideoXRotaryEmbedding.Apply(Video(query), cos, sin).index_select(2, keptQueries);
        var videoKey = cat([CogVideoXRotaryEmbedding.Apply(Video(key), cos, sin), extraKey], 2).index_select(2, keptKeyValues);
        var videoValue = cat([Video(value), extraValue], 2).index_select(2, keptKeyValues);
        var attended = PlainAttention.Attend(cat([Text(query), videoQuery], 2), cat([Text(key), videoKey], 2), cat([Text(value), videoValue], 2));
        var restored = cat([attended.narrow(2, 0, TextTokens), attended.narrow(2, TextTokens, videoQuery.shape[2]).index_select(2, restore)], 2);
        var expected = Project("to_out.0", restored.transpose(1, 2).flatten(2));

        Assert.Equal(expected.shape, actual.shape);
        var error = CogVideoXTiny.RelativeError(actual, expected);
        Assert.True(error < 1e-5, $"relative error {error:E3}");

        // The text rows are the text queries' own attention over the reduced sequence, not left dense or dropped.
        var textError = CogVideoXTiny.RelativeError(actual.narrow(1, 0, TextTokens), expected.narrow(1, 0, TextTokens));
        Assert.True(textError < 1e-5, $"text rows: relative error {textError:E3}");
    }
}
