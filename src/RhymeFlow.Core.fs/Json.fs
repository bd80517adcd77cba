namespace RhymeFlow.Core

[<RequireQualifiedAccess>]
module Json =
    [<CompiledName("WriteSpec")>]
    let writeSpec spec =
        JsonSyntax.write (fun w -> JsonSpec.write w "" spec)

    [<CompiledName("ReadSpec")>]
    let readSpec json = JsonSyntax.parse json JsonSpec.read

    [<CompiledName("WritePlan")>]
    let writePlan plan =
        JsonSyntax.write (fun w -> JsonPlan.write w plan)

    [<CompiledName("ReadPlan")>]
    let readPlan json = JsonSyntax.parse json JsonPlan.read

    [<CompiledName("WriteReduction")>]
    let writeReduction spec =
        JsonSyntax.write (fun w -> JsonReduction.write w spec)

    [<CompiledName("ReadReduction")>]
    let readReduction json =
        JsonSyntax.parse json JsonReduction.read

    [<CompiledName("ReadStudy")>]
    let readStudy json = JsonSyntax.parse json JsonStudy.read

    [<CompiledName("WriteTiers")>]
    let writeTiers tiers =
        JsonSyntax.write (fun w -> JsonReduction.writeTiers w "" tiers)

    [<CompiledName("ReadTiers")>]
    let readTiers json =
        // Checked without building per-level ratios: a document claiming 2^31 levels must not allocate them.
        JsonSyntax.parse json JsonReduction.readTiers
        |> Result.bind (fun tiers -> Reduction.validateTiers tiers |> Result.map (fun () -> tiers))
