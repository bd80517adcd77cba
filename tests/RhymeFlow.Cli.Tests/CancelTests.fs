module RhymeFlow.Cli.Tests.CancelTests

open System.Threading
open Xunit
open RhymeFlow.Cli.Failure

[<Fact>]
let ``the first Ctrl+C cancels gracefully and a second lets the process end`` () =
    use cancellation = new CancellationTokenSource()
    Assert.True(cancelsGracefully cancellation)
    Assert.True(cancellation.IsCancellationRequested)
    Assert.False(cancelsGracefully cancellation)
