namespace RhymeFlow.Core

open System.Text.Json

/// The JSON primitives under the spec and plan codecs: objects with a "kind" discriminator on the
/// writing side; on the reading side, nodes that carry their JSON path ($.schedule.skip.min) so
/// that every error names where it happened and what was expected.
module internal JsonSyntax =
    /// Runs `body` on an indented writer and returns the text.
    val write: body: (Utf8JsonWriter -> unit) -> string

    /// An object named `name` ("" for an array item or the root), with "kind" = `kind` first
    /// unless `kind` is "".
    val obj: w: Utf8JsonWriter -> name: string -> kind: string -> fields: (unit -> unit) -> unit

    /// A number member; a non-finite one as a string ("NaN", "Infinity").
    val anyNumber: w: Utf8JsonWriter -> name: string -> x: float -> unit

    val ints: w: Utf8JsonWriter -> name: string -> xs: int list -> unit

    val floats: w: Utf8JsonWriter -> name: string -> xs: float list -> unit

    type ResultBuilder =
        new: unit -> ResultBuilder
        member Bind: r: Result<'T, 'E> * f: ('T -> Result<'U, 'E>) -> Result<'U, 'E>
        member Return: v: 'T -> Result<'T, 'E>
        member ReturnFrom: r: Result<'T, ValidationError> -> Result<'T, ValidationError>

    val result: ResultBuilder

    /// A JSON node together with its path, so every error can say where it happened.
    type Node = { Element: JsonElement; Path: string }

    /// An error at `node`: its value kind, and what was `expected` instead.
    val fail: node: Node -> expected: string -> Result<'T, ValidationError>

    /// The member `name` of an object node; errors if the node is no object or lacks it.
    val field: node: Node -> name: string -> Result<Node, ValidationError>

    val bind: f: ('T -> Result<'U, 'E>) -> r: Result<'T, 'E> -> Result<'U, 'E>

    val asInt: node: Node -> Result<int, ValidationError>

    val asFloat: node: Node -> Result<float, ValidationError>

    val asUInt64: node: Node -> Result<uint64, ValidationError>

    val asBool: node: Node -> Result<bool, ValidationError>

    val asString: node: Node -> Result<string, ValidationError>

    val asList: item: (Node -> Result<'T, ValidationError>) -> node: Node -> Result<'T list, ValidationError>

    /// `read` applied to the member `name`.
    val get: node: Node -> name: string -> read: (Node -> Result<'T, ValidationError>) -> Result<'T, ValidationError>

    /// `read` applied to the member `name` when the object has it; None when it does not.
    val optional:
        node: Node -> name: string -> read: (Node -> Result<'T, ValidationError>) -> Result<'T option, ValidationError>

    /// The value of the string member `name` among `cases`; the error lists the allowed strings.
    val choice: node: Node -> name: string -> cases: (string * 'T) list -> Result<'T, ValidationError>

    /// A union: the reader that the "kind" member selects among `cases`, applied to the node.
    val union: node: Node -> cases: (string * (Node -> Result<'T, ValidationError>)) list -> Result<'T, ValidationError>

    /// The reader of a case without fields.
    val always: v: 'T -> (Node -> Result<'T, 'E>)

    /// Parses `json` and reads its root ("$"); malformed JSON is an error at "$".
    val parse: json: string -> read: (Node -> Result<'T, ValidationError>) -> Result<'T, ValidationError>
