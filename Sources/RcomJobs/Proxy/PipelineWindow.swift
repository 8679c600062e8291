/// How many starts an account may have in flight on its connection to the job server: a
/// congestion window that counts jobs at risk instead of bytes.
///
/// Pipelining is what makes the proxy fast on a healthy job server, but a connection that breaks
/// makes every start written to it ambiguous (it may have run: never re-sent, answered 502 after
/// the ambiguity grace unless its callback comes). With `max` in flight one reset costs up to
/// `max` jobs; with one in flight it costs one, as a one-request-at-a-time client pays.
///
/// The rule (slow start after a probation, multiplicative decrease):
/// - an account starts with one start in flight: whether the job server breaks connections is
///   not known yet, and the first break at the full depth would cost `max` jobs;
/// - after `probation` starts in a row were answered, the window doubles each time a whole
///   window's worth of starts was answered in a row (1 → 2 → 4 … → `max`);
/// - any break with starts in flight puts it back to one, and the probation starts again.
///
/// Why a probation of 64 (the default): at a window of one the proxy loses exactly what a
/// one-at-a-time peer loses, and leaving it is a bet that the next break is far off. After 64
/// clean answers in a row the reset rate is likely below a few per cent; at a rate of 10 % the
/// window leaves one with probability 0.9^64 ≈ 0.1 % per break, at 1 % with 0.99^64 ≈ 53 %.
/// What it costs: an account's first 64 starts, and the 64 after each break, wait for one round
/// trip to the job server each (about 0.1 ms on loopback; a job server 1 ms away adds up to
/// ~80 ms to that burst); from the 79th answer on, a healthy account runs at the full depth.
/// `probation` 0 turns the rule off: the window is `max` throughout (the behaviour before issue 30).
///
/// A pure value: events in, size out; no clock, no randomness.
struct PipelineWindow: Equatable {
    let max: Int
    let probation: Int
    private(set) var size: Int
    /// Starts answered in a row since the window last changed.
    private(set) var clean = 0

    init(max: Int, probation: Int) {
        self.max = Swift.max(1, max)
        self.probation = probation
        size = probation > 0 ? 1 : self.max
    }

    var isFull: Bool { size == max }

    /// A start was answered on the account's connection (any status: the connection carried it).
    mutating func answered() {
        guard size < max else { return }
        clean += 1
        if clean >= (size == 1 ? probation : size) {
            size = Swift.min(max, size * 2)
            clean = 0
        }
    }

    /// The account's connection broke (reset, closed, went silent) with starts in flight.
    mutating func broke() {
        guard probation > 0 else { return }
        size = 1
        clean = 0
    }
}
