import Foundation

/// The statistics `rcom stats` needs for rates such as clicks ÷ delivered.
public enum ProportionStats {
    /// z for a two-sided 95 % interval.
    public static let z95 = 1.959963984540054

    /// Wilson score interval: unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is honest for
    /// small n and for rates near 0 or 1. n = 0 gives the whole [0, 1].
    public static func wilson(successes x: Int, trials n: Int, z: Double = z95) -> (low: Double, high: Double) {
        guard n > 0 else { return (0, 1) }
        let nn = Double(n), p = Double(x) / nn, z2 = z * z
        let denominator = 1 + z2 / nn
        let center = (p + z2 / (2 * nn)) / denominator
        let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / denominator
        return (max(0, center - half), min(1, center + half))
    }

    /// Pooled two-proportion z-test; two-sided p-value.
    public static func twoProportionZ(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> (z: Double, p: Double) {
        guard n1 > 0, n2 > 0 else { return (0, 1) }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let pooled = Double(x1 + x2) / Double(n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        guard se > 0 else { return (0, 1) }
        let z = (p1 - p2) / se
        return (z, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// Fisher's exact test on [[a, b], [c, d]], two-sided: the probability, with the margins
    /// fixed, of a table at most as likely as the one observed.
    public static func fisherExact(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Double {
        let row1 = a + b, col1 = a + c, n = a + b + c + d
        func logChoose(_ n: Int, _ k: Int) -> Double { lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) }
        func logP(_ x: Int) -> Double { logChoose(col1, x) + logChoose(n - col1, row1 - x) - logChoose(n, row1) }
        let observed = logP(a)
        var p = 0.0
        for x in max(0, row1 + col1 - n)...min(row1, col1) {
            let lp = logP(x)
            // A relative tolerance so tables as likely as the observed one are not lost to rounding.
            if lp <= observed + 1e-7 { p += exp(lp) }
        }
        return min(1, p)
    }

    public struct Comparison: Sendable, Equatable {
        /// "z" or "fisher".
        public let test: String
        public let z: Double?
        public let p: Double
    }

    /// The z-test, or Fisher's exact test when an expected cell count is under 5 (where the
    /// normal approximation is poor).
    public static func compare(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> Comparison {
        let n = n1 + n2, successes = x1 + x2
        let expected = [Double(n1 * successes), Double(n1 * (n - successes)), Double(n2 * successes), Double(n2 * (n - successes))]
            .map { n > 0 ? $0 / Double(n) : 0 }
        if expected.contains(where: { $0 < 5 }) {
            return Comparison(test: "fisher", z: nil, p: fisherExact(x1, n1 - x1, x2, n2 - x2))
        }
        let r = twoProportionZ(x1, n1, x2, n2)
        return Comparison(test: "z", z: r.z, p: r.p)
    }
}
