using System.Diagnostics;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.TestSupport;

/// <summary>
/// Runs one parser over many hostile inputs and holds it to its contract: each case either opens or throws the
/// parser's documented exception with a message naming the file, within <see cref="CaseTimeout"/>, and without
/// allocating far beyond the input. Each case runs on its own task so that a hang fails the test instead of
/// stalling it; the managed allocations of that task are what is measured. <see cref="Report"/> prints the number
/// of cases, the outcomes and the longest case.
/// </summary>
internal sealed class HostileInputs(string parser, ITestOutputHelper output)
{
    /// <summary>
    /// How long one case may take: far above any real case (the longest take milliseconds), so that only a hang or a
    /// blow-up trips it. A 5 s bound tripped once on a case of 150 ms while training runs starved the test of the CPU.
    /// </summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly Stopwatch _total = Stopwatch.StartNew();
    private TimeSpan _longest;
    private string _longestCase = "none";
    private long _mostAllocated;

    /// <summary>The number of cases run so far.</summary>
    public int Cases { get; private set; }

    /// <summary>How often each outcome ("ok" or an exception type) occurred.</summary>
    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    /// <summary>The count of one outcome.</summary>
    public int Count(string outcome) => _outcomes.GetValueOrDefault(outcome);

    /// <summary>
    /// Runs <paramref name="parse"/> on one input and checks the contract; returns "ok" or the exception's type name.
    /// </summary>
    /// <param name="description">What the input is, for failure messages (e.g. "case 17: truncated at 40").</param>
    /// <param name="parse">Opens the input; it may throw.</param>
    /// <param name="documented">Whether an exception is the one the parser documents.</param>
    /// <param name="file">What the message must name (the file, or the name given to the parser).</param>
    /// <param name="allocationLimit">The most managed bytes the case may allocate.</param>
    /// <param name="mustRefuse">Whether the input is invalid for certain, so that opening it is a failure.</param>
    /// <param name="reason">Where the input must be refused, a fragment of the message that says why.</param>
    public async Task<string> RunAsync(
        string description,
        Action parse,
        Func<Exception, bool> documented,
        string file,
        long allocationLimit,
        bool mustRefuse = false,
        string? reason = null)
    {
        Cases++;
        var run = Task.Run(() => Measure(parse));
        var finished = await Task.WhenAny(run, Task.Delay(CaseTimeout));
        Assert.True(finished == run, $"{parser}, {description}: did not finish within {CaseTimeout}");
        var (error, elapsed, allocated) = await run;

        if (elapsed > _longest)
        {
            (_longest, _longestCase) = (elapsed, description);
        }

        _mostAllocated = Math.Max(_mostAllocated, allocated);
        Assert.True(allocated <= allocationLimit, $"{parser}, {description}: allocated {allocated} bytes, above the limit of {allocationLimit}");
        if (error is null)
        {
            Assert.False(mustRefuse, $"{parser}, {description}: an invalid input was accepted");
        }
        else
        {
            Assert.True(documented(error), $"{parser}, {description}: threw {error.GetType().Name}, not the documented exception: {error}");
            Assert.True(error.Message.Contains(file, StringComparison.Ordinal), $"{parser}, {description}: the message does not name '{file}': {error.Message}");
            if (reason is not null)
            {
                Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{parser}, {description}: refused, but not for '{reason}': {error.Message}");
            }
        }

        var outcome = error is null ? "ok" : error.GetType().Name;
        _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
        return outcome;
    }

    /// <summary>Writes the figures of this run to the test output and returns them as one line.</summary>
    public string Report()
    {
        var outcomes = string.Join(", ", _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
        var line = $"{parser}: {Cases} cases ({outcomes}) in {_total.Elapsed.TotalSeconds:F1} s; longest case {_longest.TotalMilliseconds:F1} ms ({_longestCase}); most allocated by one case {_mostAllocated / 1024.0:F0} KiB";
        output.WriteLine(line);
        return line;
    }

    private static (Exception? Error, TimeSpan Elapsed, long Allocated) Measure(Action parse)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            parse();
        }
        catch (Exception e)
        {
            error = e;
        }

        return (error, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
