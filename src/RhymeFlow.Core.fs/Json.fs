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
