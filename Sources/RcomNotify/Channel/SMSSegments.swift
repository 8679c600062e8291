/// How many SMS a body is sent as (3GPP TS 23.038 / 23.040). A body written entirely in the
/// GSM 7-bit default alphabet (with its extension table, whose characters take two septets: an
/// escape and the character) fits 160 septets in one SMS; otherwise it goes as UCS-2 (UTF-16
/// code units; an emoji is two) and fits 70. Longer bodies are concatenated: each part loses
/// room to the concatenation header, 153 septets or 67 code units, and a part never splits an
/// escape pair or a surrogate pair (what a carrier's encoder does), so a part may hold less.
public struct SMSSegments: Equatable, Sendable {
    public enum Encoding: String, Sendable { case gsm7 = "GSM-7", ucs2 = "UCS-2" }

    public let encoding: Encoding
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    public let units: Int
    public let count: Int

    public init(_ body: String) {
        var septets: [Int] = []
        var gsm = true
        for u in body.unicodeScalars {
            if Self.basic.contains(u) { septets.append(1) } else if Self.extended.contains(u) { septets.append(2) } else {
                gsm = false
                break
            }
        }
        if gsm {
            encoding = .gsm7
            units = septets.reduce(0, +)
            count = Self.parts(septets, single: 160, part: 153)
        } else {
            let widths = body.unicodeScalars.map { $0.value > 0xFFFF ? 2 : 1 }
            encoding = .ucs2
            units = widths.reduce(0, +)
            count = Self.parts(widths, single: 70, part: 67)
        }
    }

    /// Parts needed for units that may not be split, `single` in one message, `part` per part.
    static func parts(_ widths: [Int], single: Int, part: Int) -> Int {
        let total = widths.reduce(0, +)
        if total == 0 { return 1 }
        if total <= single { return 1 }
        var parts = 1, used = 0
        for w in widths {
            if used + w > part {
                parts += 1
                used = 0
            }
            used += w
        }
        return parts
    }

    /// Per part, for messages: "160" or "153 per part".
    public var perPart: Int { count == 1 ? (encoding == .gsm7 ? 160 : 70) : (encoding == .gsm7 ? 153 : 67) }

    /// The GSM 7-bit default alphabet (one septet each).
    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars)
    /// The extension table: an escape septet then the character, two septets each.
    static let extended: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)
}
