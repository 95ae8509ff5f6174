import LedgerModel
import LedgerSimulation
import Testing

/// The compact, rendered form of the scenario must be the very scenario `events()` gives: the bench
/// and `generate` use one, the tests and golden outputs the other.
@Suite struct GeneratorTests {
    @Test(arguments: [(UInt64(1), 300), (7, 120), (11, 57)])
    func renderedLinesAreTheEventsRendered(seed: UInt64, persons: Int) {
        var eventsGenerator = ScenarioGenerator(.init(persons: persons, claimsPerPerson: 3, seed: seed))
        let expected = eventsGenerator.events().map { Interchange.render($0) }
        var linesGenerator = ScenarioGenerator(.init(persons: persons, claimsPerPerson: 3, seed: seed))
        var lines: [String] = []
        linesGenerator.renderedLines { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines.count == expected.count)
        #expect(lines == expected)
        // Late arrivals and re-pushes are in it: the order is not plain date order, and lines repeat.
        #expect(Set(lines).count < lines.count)
    }
}
