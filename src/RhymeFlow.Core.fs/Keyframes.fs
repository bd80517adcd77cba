namespace RhymeFlow.Core

open System

type KeyframeStrategy =
    | Semantic of threshold: float
    | Uniform
    | Random of seed: uint64
    | FirstM
    | Spread of minSpacing: int

[<Sealed>]
type KeyframeSet(frames: int, indices: int list) =
    member _.Frames = frames
    member _.Indices = indices

    override _.Equals(other) =
        match other with
        | :? KeyframeSet as o -> o.Frames = frames && o.Indices = indices
        | _ -> false

    override _.GetHashCode() = HashCode.Combine(frames, indices)
    override _.ToString() = $"KeyframeSet({frames}, %A{indices})"

    interface IEquatable<KeyframeSet> with
        member this.Equals(other) = this.Equals(box other)

[<RequireQualifiedAccess>]
module KeyframeSet =
    [<CompiledName("Create")>]
    let create frames indices =
        if frames < 1 then
            Error(Validate.error "frames" frames ">= 1")
        elif List.isEmpty indices then
            Error(Validate.error "keyframes" "[]" $"at least one index in 0..{frames - 1}")
        else
            let outOfRange = indices |> List.tryFindIndex (fun k -> k < 0 || k >= frames)
            let duplicate = indices |> List.countBy id |> List.tryFind (fun (_, n) -> n > 1)

            match outOfRange, duplicate with
            | Some i, _ -> Error(Validate.error $"keyframes[{i}]" indices[i] $"0..{frames - 1} (frames)")
            | None, Some(k, _) ->
                let i = indices |> List.findIndexBack ((=) k)
                Error(Validate.error $"keyframes[{i}]" k "distinct indices")
            | None, None -> Ok(KeyframeSet(frames, List.sort indices))

    [<CompiledName("Contains")>]
    let contains (set: KeyframeSet) frame = List.contains frame set.Indices

[<RequireQualifiedAccess>]
module Keyframes =
    let private normalise (v: float[]) =
        let norm = v |> Array.sumBy (fun x -> x * x) |> sqrt

        if norm = 0.0 then
            v |> Array.map (fun _ -> 0.0)
        else
            v |> Array.map (fun x -> x / norm)

    [<CompiledName("CosineMatrix")>]
    let cosineMatrix (signatures: float[] list) =
        let units = signatures |> List.map normalise

        units
        |> List.mapi (fun i a ->
            units
            |> List.mapi (fun j b ->
                if i = j then
                    1.0
                else
                    Math.Round(Array.fold2 (fun s x y -> s + x * y) 0.0 a b, 12)))

    // Ranks ascend by score descending, ties by lower index, so every choice is deterministic.
    let private byScore (score: int -> float) frames =
        frames |> List.sortBy (fun f -> -score f, f)

    // Repeatedly split the widest gap between consecutive keyframes (leftmost on ties); the clip
    // edges count as virtual keyframes at -1 and F so that uncovered ends are filled too.
    let rec private fillMidpoints target frames (keys: int list) =
        if List.length keys >= target then
            keys
        else
            let sorted = List.sort keys

            let widest =
                ((-1, List.head sorted) :: List.pairwise sorted)
                @ [ (List.last sorted, frames) ]
                |> List.filter (fun (a, b) -> b - a >= 2)
                |> List.sortBy (fun (a, b) -> -(b - a), a)
                |> List.tryHead

            match widest with
            | Some(a, b) -> fillMidpoints target frames ((a + b) / 2 :: keys)
            | None -> keys

    let private boundaries m frames =
        if m >= 2 && frames >= 2 then [ 0; frames - 1 ] else [ 0 ]

    let private semantic threshold m (cos: float[][]) =
        let f = cos.Length

        let scanned =
            [ 1 .. f - 1 ]
            |> List.fold
                (fun (keys, last) i ->
                    if cos[i][last] < threshold then
                        (i :: keys, i)
                    else
                        (keys, last))
                ([ 0 ], 0)
            |> fst
            |> fun keys -> List.distinct ((f - 1) :: keys)

        let fixedEnds = boundaries m f
        let transition i = 1.0 - cos[i][i - 1]

        let middle =
            scanned
            |> List.filter (fun k -> not (List.contains k fixedEnds))
            |> byScore transition
            |> List.truncate (m - fixedEnds.Length)

        fillMidpoints m f (fixedEnds @ middle)

    let private uniform m f =
        if m = 1 then
            [ 0 ]
        else
            List.init m (fun k -> int (Math.Floor(float k * float (f - 1) / float (m - 1) + 0.5)))

    let private splitmix (state: uint64) =
        let s = state + 0x9E3779B97F4A7C15UL
        let z = (s ^^^ (s >>> 30)) * 0xBF58476D1CE4E5B9UL
        let z = (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
        s, z ^^^ (z >>> 31)

    let private random seed m f =
        [ 1..m ]
        |> List.fold
            (fun (chosen, pool, state) _ ->
                let state, r = splitmix state
                let pick = List.item (int (r % uint64 (List.length pool))) pool
                (pick :: chosen, List.except [ pick ] pool, state))
            ([], [ 0 .. f - 1 ], seed)
        |> fun (chosen, _, _) -> chosen

    let private spread minSpacing m (cos: float[][]) =
        let f = cos.Length
        let transition i = 1.0 - cos[i][i - 1]

        let picked =
            [ 1 .. f - 2 ]
            |> byScore transition
            |> List.fold
                (fun keys c ->
                    if List.length keys < m && keys |> List.forall (fun k -> abs (k - c) >= minSpacing) then
                        c :: keys
                    else
                        keys)
                (boundaries m f)

        fillMidpoints m f picked

    [<CompiledName("ValidateStrategy")>]
    let validateStrategy strategy =
        match strategy with
        | Semantic t when not (t > -1.0 && t <= 1.0) -> Error(Validate.error "threshold" t "(-1, 1]")
        | Spread s when s < 1 -> Error(Validate.error "minSpacing" s ">= 1")
        | _ -> Ok()

    [<CompiledName("Select")>]
    let select strategy budget (cosine: float list list) =
        let f = List.length cosine

        if budget < 1 then
            Error(Validate.error "budget" budget ">= 1")
        elif f < 1 || cosine |> List.exists (fun row -> List.length row <> f) then
            Error(Validate.error "cosine" $"{f} rows" "a square F x F matrix with F >= 1")
        else
            validateStrategy strategy
            |> Result.bind (fun () ->
                let m = min budget f
                let cos = cosine |> List.map Array.ofList |> Array.ofList

                let chosen =
                    match strategy with
                    | Semantic t -> semantic t m cos
                    | Uniform -> uniform m f
                    | Random seed -> random seed m f
                    | FirstM -> [ 0 .. m - 1 ]
                    | Spread s -> spread s m cos

                KeyframeSet.create f chosen)

    [<CompiledName("SelectFromSignatures")>]
    let selectFromSignatures strategy budget signatures =
        select strategy budget (cosineMatrix signatures)

    [<CompiledName("Preview")>]
    let preview strategy budget frames =
        let f = max frames 1
        let m = budget |> max 1 |> min f

        let chosen =
            match strategy with
            | Random seed -> random seed m f
            | FirstM -> [ 0 .. m - 1 ]
            | Semantic _
            | Uniform
            | Spread _ -> uniform m f

        KeyframeSet(f, List.sort chosen)
