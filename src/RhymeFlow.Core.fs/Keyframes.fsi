namespace RhymeFlow.Core

/// How the keyframes of a RhymeFlow run are chosen at step Tw-1 (methods.md, section 2).
type KeyframeStrategy =
    /// Scan frames in order; a frame whose cosine to the last keyframe drops below `threshold`
    /// starts a new keyframe; frames 0 and F-1 are always kept; then trim by transition score
    /// 1 - cos(f, f-1) or fill with gap midpoints to exactly the budget.
    | Semantic of threshold: float
    /// Evenly spaced, both ends included when the budget is at least 2.
    | Uniform
    /// A uniformly random subset drawn by splitmix64 from `seed`; deterministic.
    | Random of seed: uint64
    /// Frames 0 .. M-1.
    | FirstM
    /// Budgeted and spread out: boundaries first, then frames by transition score that keep at
    /// least `minSpacing` frames from every chosen keyframe, then gap midpoints.
    | Spread of minSpacing: int

/// A valid keyframe set for a clip of F frames: at least one index, distinct, sorted, in 0..F-1.
/// Only the smart constructor and the selection functions can make one.
[<Sealed>]
type KeyframeSet =
    /// The number of frames F of the clip.
    member Frames: int
    /// The keyframe indices, sorted ascending and distinct.
    member Indices: int list
    interface System.IEquatable<KeyframeSet>

[<RequireQualifiedAccess>]
module KeyframeSet =
    /// Errors name `frames` (>= 1), `keyframes` (not empty) or `keyframes[i]` (0..F-1, distinct).
    [<CompiledName("Create")>]
    val create: frames: int -> indices: int list -> Result<KeyframeSet, ValidationError>

    /// Whether `frame` is a keyframe.
    [<CompiledName("Contains")>]
    val contains: set: KeyframeSet -> frame: int -> bool

[<RequireQualifiedAccess>]
module Keyframes =
    /// Errors name `threshold` ((-1, 1]) for Semantic or `minSpacing` (>= 1) for Spread.
    [<CompiledName("ValidateStrategy")>]
    val validateStrategy: strategy: KeyframeStrategy -> Result<unit, ValidationError>

    /// The F x F cosine matrix of per-frame signatures. Each signature is normalised to unit L2
    /// first (a zero signature has cosine 0 to everything but itself), and cosines are rounded to
    /// 12 decimals so that every decision is invariant to a positive scaling of a signature.
    [<CompiledName("CosineMatrix")>]
    val cosineMatrix: signatures: float[] list -> float list list

    /// Exactly min(budget, F) distinct sorted keyframes chosen from an F x F cosine matrix (the
    /// GPU host sends only this matrix). Deterministic. Errors name `budget` (>= 1), `cosine`
    /// (square, at least 1 x 1), `threshold` ((-1, 1]) or `minSpacing` (>= 1).
    [<CompiledName("Select")>]
    val select:
        strategy: KeyframeStrategy -> budget: int -> cosine: float list list -> Result<KeyframeSet, ValidationError>

    /// `select` on the cosine matrix of per-frame signature vectors.
    [<CompiledName("SelectFromSignatures")>]
    val selectFromSignatures:
        strategy: KeyframeStrategy -> budget: int -> signatures: float[] list -> Result<KeyframeSet, ValidationError>

    /// A keyframe set of the right size chosen without data, for plans compiled ahead of time
    /// (cost previews): data-driven strategies fall back to Uniform. Budget is clamped to 1..F.
    [<CompiledName("Preview")>]
    val preview: strategy: KeyframeStrategy -> budget: int -> frames: int -> KeyframeSet
