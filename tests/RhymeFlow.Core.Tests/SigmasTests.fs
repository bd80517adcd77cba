module RhymeFlow.Core.Tests.SigmasTests

open Xunit

[<Fact>]
let ``placeholder`` () = Assert.Equal(0, RhymeFlow.Core.Sigmas.placeholder)
