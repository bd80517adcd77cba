namespace RhymeFlow.Host.Tests.BuiltIn.Training;

/// <summary>Tests that seed torch's global generator (model creation) or time CPU training run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BuiltInTrainingCollection
{
    public const string Name = "Built-in model training";
}
