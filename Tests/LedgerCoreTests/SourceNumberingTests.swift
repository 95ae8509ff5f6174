import Testing

@testable import LedgerCore

/// Verify and replay number the systems as the log first names them (`SourceIndex.Numbering`), and
/// remember the one named last: the number of a system never depends on what came just before it.
@Suite struct SourceNumberingTests {
    @Test func eachSystemKeepsTheNumberOfItsFirstAppearanceWhateverComesBetween() {
        // Runs, alternations, a return after others, and two spellings of é (precomposed, and e
        // with a combining accent), which the ledger stores as two systems.
        let names = ["his", "his", "civil", "his", "civil", "civil", "caf\u{E9}", "his", "cafe\u{301}", "caf\u{E9}", "civil", "cafe\u{301}"]
        var numbering = SourceIndex.Numbering()
        var firstSeen: [[UInt8]] = []
        for name in names {
            let bytes = Array(name.utf8)
            if !firstSeen.contains(bytes) { firstSeen.append(bytes) }
            let expected = UInt32(firstSeen.firstIndex(of: bytes)! + 1)
            #expect(numbering.number(of: name) == expected, "\(name) after \(firstSeen.count) systems")
        }
        #expect(numbering.numbers.count == 4)
    }
}
