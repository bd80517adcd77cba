module RhymeFlow.Core.Tests.RenderTests

open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators
open Xunit

// 9
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``the grid has one row per frame and one column per step`` (case: ValidCase) =
    let plan = compile case
    let grid = Render.grid plan

    grid.Length = plan.Frames
    && grid
       |> List.forall (fun row -> row.Length = Plan.steps plan && row |> Seq.forall (fun c -> "FAP.".Contains c))

[<Fact>]
let ``a small RhymeFlow plan renders as expected`` () =
    let spec =
        {
            Sampling = { Spec.defaultSampling with Steps = 8 }
            Schedule =
                RhymeFlow
                    { Spec.defaultRhymeFlow with
                        WarmupSteps = 2
                        Skip = Fixed 3
                    }
        }

    let plan =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 3 [ 0; 2 ])

    Assert.Equal<string list>([ "FFFAAFAA"; "FFFPPFPP"; "FFFAAFAA" ], Render.grid plan)
