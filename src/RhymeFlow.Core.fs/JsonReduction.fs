namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

module internal JsonReduction =
    // ---- writing -------------------------------------------------------------------------------

    let private grid (w: Utf8JsonWriter) (name: string) (rows: int list list) =
        w.WriteStartArray name

        for row in rows do
            w.WriteStartArray()
            row |> List.iter w.WriteNumberValue
            w.WriteEndArray()

        w.WriteEndArray()

    let writeTiers w name (tiers: RedundancyTiers) =
        obj w name "" (fun () ->
            w.WriteNumber("levels", tiers.Levels)
            grid w "query" tiers.QueryTiers
            grid w "key" tiers.KeyTiers
            grid w "value" tiers.ValueTiers)

    let write (w: Utf8JsonWriter) (spec: ReductionSpec) =
        obj w "" "" (fun () ->
            match spec.Policy with
            | NoReduction -> obj w "policy" "none" ignore
            | ByRule rule ->
                obj w "policy" "rule" (fun () ->
                    w.WriteNumber("queryRatio", rule.Ratios.QueryRatio)
                    w.WriteNumber("keyValueRatio", rule.Ratios.KeyValueRatio)
                    w.WriteNumber("fromStepFraction", rule.FromStepFraction)
                    w.WriteNumber("fromBlock", rule.FromBlock))
            | Profiled(tiers, ratios) ->
                obj w "policy" "profiled" (fun () ->
                    floats w "queryRatios" ratios.QueryByTier
                    floats w "keyValueRatios" ratios.KeyValueByTier
                    writeTiers w "tiers" tiers)

            obj w "stride" "" (fun () ->
                w.WriteNumber("frames", spec.Stride.AlongFrames)
                w.WriteNumber("rows", spec.Stride.AlongRows)
                w.WriteNumber("columns", spec.Stride.AlongColumns))

            w.WriteNumber("reuseSteps", spec.ReuseSteps)
            w.WriteNumber("seed", spec.Seed))

    // ---- reading -------------------------------------------------------------------------------

    let readTiers node =
        result {
            let! levels = get node "levels" asInt
            let! query = get node "query" (asList (asList asInt))
            let! key = get node "key" (asList (asList asInt))
            let! value = get node "value" (asList (asList asInt))

            return
                {
                    Levels = levels
                    QueryTiers = query
                    KeyTiers = key
                    ValueTiers = value
                }
        }

    let private readRule node =
        result {
            let! q = get node "queryRatio" asFloat
            let! kv = get node "keyValueRatio" asFloat
            let! fromStep = get node "fromStepFraction" asFloat
            let! fromBlock = get node "fromBlock" asInt

            return
                ByRule
                    {
                        Ratios = { QueryRatio = q; KeyValueRatio = kv }
                        FromStepFraction = fromStep
                        FromBlock = fromBlock
                    }
        }

    let private readProfiled node =
        result {
            let! q = get node "queryRatios" (asList asFloat)
            let! kv = get node "keyValueRatios" (asList asFloat)
            let! tiers = get node "tiers" readTiers
            return Profiled(tiers, { QueryByTier = q; KeyValueByTier = kv })
        }

    let read node =
        result {
            let! policy =
                get node "policy" (fun p ->
                    union p [ "none", always NoReduction; "rule", readRule; "profiled", readProfiled ])

            let! stride =
                get node "stride" (fun s ->
                    result {
                        let! f = get s "frames" asInt
                        let! r = get s "rows" asInt
                        let! c = get s "columns" asInt

                        return
                            {
                                AlongFrames = f
                                AlongRows = r
                                AlongColumns = c
                            }
                    })

            let! reuse = get node "reuseSteps" asInt
            let! seed = get node "seed" asInt

            return!
                Reduction.validate
                    {
                        Policy = policy
                        Stride = stride
                        ReuseSteps = reuse
                        Seed = seed
                    }
        }
