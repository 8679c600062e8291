/// How many starts an account may have in flight on its connection to the job server: a
/// congestion window that counts jobs at risk instead of bytes.
///
/// Pipelining is what makes the proxy fast on a healthy job server, but a connection that breaks
/// makes every start written to it ambiguous (it may have run: never re-sent, answered 502 after
/// the ambiguity grace unless its callback comes). With `max` in flight one reset costs up to
/// `max` jobs; with one in flight it costs one, as a one-request-at-a-time client pays.
///
/// The rule (slow start after a probation, multiplicative decrease):
/// - one start in flight until the job server has *proven* itself: `probation` starts answered
///   in a row, on any account's connection, with no connection broken meanwhile (whether a job
///   server breaks connections is a property of the server, not of an account, so the evidence
///   is pooled; a fresh proxy has none, and a break resets it);
/// - once proven, the window doubles each time a whole window's worth of starts was answered in
///   a row (1 → 2 → 4 … → `max`); an account that arrives after the proof starts at `max`;
/// - any break of the account's connection with starts in flight puts it back to one.
///
/// Why a probation of 64 (the default): at a window of one the proxy loses exactly what a
/// one-at-a-time peer loses, and leaving it is a bet that the next break is far off. After 64
/// clean answers in a row the reset rate is likely below a few per cent; at a rate of 10 % the
/// probation ends with probability 0.9^64 ≈ 0.1 % between two breaks, at 1 % with 0.99^64 ≈ 53 %.
/// What it costs: the first 64 starts after the proxy starts and after each break go one round
/// trip at a time per account (about 0.1 ms on loopback; a job server 1 ms away adds up to
/// ~70 ms to that burst on one account, less spread over several).
/// `probation` 0 turns the rule off: the window is `max` throughout (the behaviour before issue 30).
///
/// A pure value: events in, size out; no clock, no randomness.
struct PipelineWindow: Equatable {
    let max: Int
    let probation: Int
    private(set) var size: Int
    /// Starts answered in a row since the window last changed.
    private(set) var clean = 0

    /// `proven`: the job server has answered `probation` starts in a row since its last break.
    init(max: Int, probation: Int, proven: Bool) {
        self.max = Swift.max(1, max)
        self.probation = probation
        size = probation == 0 || proven ? self.max : 1
    }

    var isFull: Bool { size == max }

    /// A start was answered on the account's connection (any status: the connection carried it);
    /// `proven` as at `init`, counting this answer.
    mutating func answered(proven: Bool) {
        guard size < max else { return }
        if size == 1 {
            guard proven else { return }
            size = 2
            clean = 0
            return
        }
        clean += 1
        if clean >= size {
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
