namespace RhymeFlow.Core

open System
open System.IO
open System.Text
open System.Text.Json

module internal JsonSyntax =
    // ---- writing -------------------------------------------------------------------------------

    let write (body: Utf8JsonWriter -> unit) =
        use stream = new MemoryStream()

        do
            use writer = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true))
            body writer

        Encoding.UTF8.GetString(stream.ToArray())

    let obj (w: Utf8JsonWriter) (name: string) kind (fields: unit -> unit) =
        (if name = "" then
             w.WriteStartObject()
         else
             w.WriteStartObject name)

        (if kind = "" then
             ()
         else
             w.WriteString("kind", (kind: string)))

        fields ()
        w.WriteEndObject()

    // Utf8JsonWriter has no non-finite numbers; a finite double keeps its shortest round-trip form.
    let anyNumber (w: Utf8JsonWriter) (name: string) (x: float) =
        if Double.IsFinite x then
            w.WriteNumber(name, x)
        else
            w.WriteString(name, x.ToString(Globalization.CultureInfo.InvariantCulture))

    let ints (w: Utf8JsonWriter) (name: string) (xs: int list) =
        w.WriteStartArray name
        xs |> List.iter w.WriteNumberValue
        w.WriteEndArray()

    let floats (w: Utf8JsonWriter) (name: string) (xs: float list) =
        w.WriteStartArray name
        xs |> List.iter w.WriteNumberValue
        w.WriteEndArray()

    // ---- reading -------------------------------------------------------------------------------

    type ResultBuilder() =
        member _.Bind(r, f) = Result.bind f r
        member _.Return v = Ok v
        member _.ReturnFrom(r: Result<_, ValidationError>) = r

    let result = ResultBuilder()

    /// A JSON node together with its path, so every error can say where it happened.
    type Node = { Element: JsonElement; Path: string }

    let fail (node: Node) expected =
        Error
            {
                Field = node.Path
                Value = node.Element.ValueKind.ToString()
                Allowed = expected
            }

    let field (node: Node) (name: string) =
        let path = $"{node.Path}.{name}"

        match node.Element.ValueKind with
        | JsonValueKind.Object ->
            match node.Element.TryGetProperty name with
            | true, value -> Ok { Element = value; Path = path }
            | false, _ ->
                Error
                    {
                        Field = path
                        Value = "missing"
                        Allowed = "a value"
                    }
        | _ -> fail node "an object"

    let bind f r = Result.bind f r

    let private number (parse: JsonElement -> bool * 'T) expected (node: Node) : Result<'T, ValidationError> =
        if node.Element.ValueKind = JsonValueKind.Number then
            match parse node.Element with
            | true, v -> Ok v
            | false, _ -> fail node expected
        else
            fail node expected

    let asInt node =
        number (fun e -> e.TryGetInt32()) "an int32" node

    let asFloat node =
        // System.Text.Json reads 1e309 as infinity; no field of a spec or plan means that.
        number
            (fun e ->
                match e.TryGetDouble() with
                | true, v when Double.IsFinite v -> true, v
                | _ -> false, 0.0)
            "a finite number"
            node

    let asUInt64 node =
        number (fun e -> e.TryGetUInt64()) "an unsigned 64-bit integer" node

    let asBool (node: Node) =
        match node.Element.ValueKind with
        | JsonValueKind.True -> Ok true
        | JsonValueKind.False -> Ok false
        | _ -> fail node "true or false"

    let asString (node: Node) =
        if node.Element.ValueKind = JsonValueKind.String then
            // An escaped lone surrogate ("\ud800") is valid JSON but no string; GetString throws on it.
            try
                Ok(node.Element.GetString())
            with :? InvalidOperationException ->
                fail node "a string of valid UTF-16"
        else
            fail node "a string"

    let asList (item: Node -> Result<'T, ValidationError>) (node: Node) =
        if node.Element.ValueKind = JsonValueKind.Array then
            node.Element.EnumerateArray()
            |> Seq.mapi (fun i e ->
                {
                    Element = e
                    Path = $"{node.Path}[{i}]"
                })
            |> Seq.fold (fun acc n -> acc |> bind (fun xs -> item n |> Result.map (fun x -> x :: xs))) (Ok [])
            |> Result.map List.rev
        else
            fail node "an array"

    let get node name read = field node name |> bind read

    let optional (node: Node) (name: string) read =
        match node.Element.ValueKind with
        | JsonValueKind.Object ->
            match node.Element.TryGetProperty name with
            | true, _ -> get node name read |> Result.map Some
            | false, _ -> Ok None
        | _ -> fail node "an object"

    let choice (node: Node) (name: string) (cases: (string * 'T) list) =
        field node name
        |> bind (fun n ->
            asString n
            |> bind (fun s ->
                match cases |> List.tryFind (fst >> (=) s) with
                | Some(_, v) -> Ok v
                | None ->
                    Error
                        {
                            Field = n.Path
                            Value = s
                            Allowed = String.Join(" | ", cases |> List.map fst)
                        }))

    let union (node: Node) (cases: (string * (Node -> Result<'T, ValidationError>)) list) =
        choice node "kind" cases |> bind (fun read -> read node)

    let always v = fun (_: Node) -> Ok v

    let private parseUtf8 (bytes: byte array) (read: Node -> Result<'T, ValidationError>) =
        try
            use document = JsonDocument.Parse(ReadOnlyMemory bytes)

            read
                {
                    Element = document.RootElement
                    Path = "$"
                }
        with
        | :? JsonException as e ->
            Error
                {
                    Field = "$"
                    Value = e.Message
                    Allowed = "well-formed JSON"
                }
        // Property names are unescaped on lookup, where an invalid escape surfaces the same way as in asString.
        | :? InvalidOperationException as e ->
            Error
                {
                    Field = "$"
                    Value = e.Message
                    Allowed = "JSON whose strings are valid UTF-16"
                }

    // Throws on a lone surrogate instead of writing U+FFFD, so that such text is reported, not silently changed.
    let private strictUtf8 = UTF8Encoding(false, true)

    /// The UTF-8 bytes of `json`, or the index of its first lone surrogate. A .NET string may hold one, and
    /// JsonDocument.Parse(string) would throw ArgumentException while transcoding it.
    let private utf8 (json: string) =
        try
            Ok(strictUtf8.GetBytes json)
        with :? EncoderFallbackException as e ->
            Error e.Index

    let parse json (read: Node -> Result<'T, ValidationError>) =
        match utf8 json with
        | Error index ->
            Error
                {
                    Field = "$"
                    Value = $"a lone surrogate at character {index}"
                    Allowed = "text of valid UTF-16"
                }
        | Ok bytes -> parseUtf8 bytes read
