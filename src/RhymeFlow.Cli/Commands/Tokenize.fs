/// `tokenize`: a text's SentencePiece ids and pieces, and the ids the umT5 text encoder sees (eos appended) where
/// the model has umT5's eos and pad ids.
module RhymeFlow.Cli.Commands.Tokenize

open System.IO
open Argu
open RhymeFlow.Host.Text
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

let run (args: ParseResults<TokenizeArgs>) : int =
    let path = args.GetResult TokenizeArgs.Tokenizer

    if not (File.Exists path) then
        usageError $"--tokenizer: no such file: {path}"

    let maxLength =
        args.GetResult(TokenizeArgs.Max_Length, defaultValue = Umt5TextTokenizer.DefaultMaxLength)

    if maxLength < 1 then
        usageError $"--max-length must be at least 1 (room for eos), got {maxLength}."

    let text = args.GetResult TokenizeArgs.Text

    let tokenizer =
        try
            SentencePieceTokenizer.Load path
        with :? SentencePieceModelException as e ->
            usageError $"--tokenizer {path}: {e.Message}"

    let tokens = tokenizer.Tokenize text

    let width =
        tokens
        |> Seq.map (fun t -> string t.Id)
        |> Seq.fold (fun w s -> max w s.Length) 2

    printfn "%-*s  piece" width "id"

    for token in tokens do
        printfn "%*d  %s" width token.Id token.Piece

    // A general SentencePiece model tokenizes all the same; only the pipeline, which needs umT5, refuses it.
    match Umt5TextTokenizer.TryCreate tokenizer with
    | true, umt5, _ ->
        let framed = umt5.EncodeIds(text, maxLength)
        let ids = framed |> Seq.map string |> String.concat " "
        let dropped = tokens.Count - (framed.Count - 1)

        let truncation =
            if dropped > 0 then
                $", {dropped} token(s) dropped by --max-length {maxLength}"
            else
                ""

        printfn "%d token(s); umT5 input (eos %d appended%s): %s" tokens.Count tokenizer.EosId truncation ids
    | false, _, problem -> printfn "%d token(s); the umT5 framing does not apply: %s" tokens.Count problem

    ExitCode.Success
