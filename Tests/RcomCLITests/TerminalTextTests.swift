import XCTest
@testable import RcomCLI

final class TerminalTextTests: XCTestCase {
    /// What a crafted file sends: a colour, BEL, an OSC that retitles the window (ended by BEL
    /// and by ST), a backspace and a carriage return that would overwrite what came before.
    static let hostile: [UInt8] = Array("\u{1b}[31mred\u{07}\u{1b}]0;owned\u{07}\u{1b}]2;t\u{1b}\\x\u{08}\r!".utf8)

    func testControlBytesBecomeHexAndNothingActsOnTheTerminal() {
        let out = TerminalText.escaped(Self.hostile)
        XCTAssertEqual(out, "\\x1B[31mred\\x07\\x1B]0;owned\\x07\\x1B]2;t\\x1B\\x5Cx\\x08\\x0D!")
        XCTAssertFalse(out.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, out)
    }

    func testInvalidUTF8IsShownByteByByteAndValidTextIsKept() {
        // A lone continuation byte, an overlong "/", a truncated 3-byte sequence before an ASCII
        // letter (the letter must survive), a surrogate, and a value past U+10FFFF.
        let bytes: [UInt8] = [0x80, 0xC0, 0xAF, 0xE2, 0x82, 0x41, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80]
        XCTAssertEqual(TerminalText.escaped(bytes),
                       "\\x80\\xC0\\xAF\\xE2\\x82A\\xED\\xA0\\x80\\xF4\\x90\\x80\\x80")
        XCTAssertEqual(TerminalText.escaped("José Müller 名前 😀"), "José Müller 名前 😀")
        XCTAssertEqual(TerminalText.escaped(Array("1\u{0}\u{FF}\\".utf8) + [0xFF]), "1\\x00ÿ\\x5C\\xFF")
    }

    func testInvisibleAndDirectionChangingCharactersAreNamed() {
        // U+202E turns the rest of the line around; U+0085 and U+009B are C1 controls (CSI);
        // U+2028 is a line break to some terminals; U+200B is invisible.
        XCTAssertEqual(TerminalText.escaped("a\u{202E}b\u{85}c\u{9B}d\u{2028}e\u{200B}f"),
                       "a\\u{202E}b\\u{85}c\\u{9B}d\\u{2028}e\\u{200B}f")
    }

    func testQuotedWrapsTheEscapedText() {
        XCTAssertEqual(TerminalText.quoted("a\tb"), "'a\\x09b'")
    }

    func testNeutralizedKeepsLineBreaksAndBackslashesOfAComposedMessage() {
        let message = "line 3: " + TerminalText.quoted("\u{1b}[2J") + "\nsecond line \u{1b}[2J"
        XCTAssertEqual(TerminalText.neutralized(message), "line 3: '\\x1B[2J'\nsecond line \\x1B[2J",
                       "already escaped text is left alone; a raw ESC that slipped through is escaped")
    }
}
