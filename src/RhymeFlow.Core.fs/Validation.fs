namespace RhymeFlow.Core

open System.Globalization

type ValidationError =
    {
        Field: string
        Value: string
        Allowed: string
    }

    member this.Message =
        $"{this.Field} = {this.Value} is out of range: expected {this.Allowed}"

[<RequireQualifiedAccess>]
module internal Validate =
    let error field (value: 'T) allowed =
        let text =
            match box value with
            | :? float as f -> f.ToString("R", CultureInfo.InvariantCulture)
            | v -> string v

        {
            Field = field
            Value = text
            Allowed = allowed
        }

    let check condition field (value: 'T) allowed =
        if condition then Ok() else Error(error field value allowed)

    let intRange field (lo: int) (hi: int) hint (value: int) =
        if value >= lo && value <= hi then
            Ok value
        else
            let suffix = if hint = "" then "" else $" ({hint})"
            Error(error field value $"{lo}..{hi}{suffix}")

    let atLeast field (lo: int) (value: int) =
        if value >= lo then
            Ok value
        else
            Error(error field value $">= {lo}")

    let unitInterval field value =
        if value >= 0.0 && value <= 1.0 then
            Ok value
        else
            Error(error field value "[0, 1]")

    // The first failure wins, so a spec with several problems reports them in field order.
    let all (checks: Result<unit, ValidationError> list) =
        checks
        |> List.tryPick (function
            | Error e -> Some e
            | Ok() -> None)
        |> function
            | Some e -> Error e
            | None -> Ok()
