using RhymeFlow.Core;

namespace RhymeFlow.Host.Execution;

/// <summary>What the executor needs to know about a schedule beyond its plan.</summary>
internal static class ScheduleFacts
{
    public static SolverKind Solver(this ScheduleSpec schedule) =>
        schedule.Spec.Sampling.Solver.IsEuler ? SolverKind.Euler : SolverKind.UniPC;

    public static CouplingKind Coupling(this ScheduleSpec schedule) =>
        schedule.Spec.Schedule is Schedule.RhymeFlow { Item.Coupling.IsKeyframeEuler: true }
            ? CouplingKind.KeyframeEuler
            : CouplingKind.SchedulerApprox;

    public static ContextKind Context(this ScheduleSpec schedule) =>
        schedule.Spec.Schedule is Schedule.RhymeFlow rhymeFlow
            ? rhymeFlow.Item.Context switch
            {
                { IsLayerKv: true } => ContextKind.LayerKv,
                ContextMode.LayerHidden { placement.IsHost: true } => ContextKind.LayerHiddenHost,
                { IsLayerHidden: true } => ContextKind.LayerHiddenDevice,
                { IsProjectedLatents: true } => ContextKind.ProjectedLatents,
                _ => ContextKind.KeyframesOnly,
            }
            : ContextKind.LayerKv;
}
