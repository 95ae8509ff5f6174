import LedgerCore
import LedgerModel
import LedgerSimulation
import Testing

/// A generated city's settlements decide the same whether they arrive as interchange lines or as the
/// national platform's messages (PLATFORM.md): same accumulators, same decisions, to the fen.
@Suite struct PlatformCityTests {
    /// The city's lines in runs of one form: (platform messages?, the lines).
    static func runs(persons: Int, seed: UInt64, platform: Bool) -> [(Bool, [[UInt8]])] {
        var generator = ScenarioGenerator(.init(persons: persons, claimsPerPerson: 4, seed: seed))
        var runs: [(Bool, [[UInt8]])] = []
        generator.renderedLines(platform: platform) { line, isPlatform in
            if runs.last?.0 == isPlatform { runs[runs.count - 1].1.append(Array(line)) } else { runs.append((isPlatform, [Array(line)])) }
        }
        return runs
    }

    static func batch(_ lines: [[UInt8]]) -> [UInt8] { lines.flatMap { $0 + [10] } }

    @Test(arguments: [(UInt64(7), 400), (11, 250)])
    func platformMessagesDecideAsInterchange(seed: UInt64, persons: Int) throws {
        let platformRuns = PlatformCityTests.runs(persons: persons, seed: seed, platform: true)
        let interchangeLines = PlatformCityTests.runs(persons: persons, seed: seed, platform: false).flatMap(\.1)
        #expect(platformRuns.contains { $0.0 } && platformRuns.contains { !$0.0 })
        #expect(platformRuns.flatMap(\.1).count == interchangeLines.count)

        let viaInterchange = try Ledger.open(at: temporaryDirectory(), create: true)
        let viaPlatform = try Ledger.open(at: temporaryDirectory(), create: true)
        var offset = 0
        var specialChronicAsOutpatient = 0
        for (isPlatform, lines) in platformRuns {
            // The same lines in interchange form, appended as one batch in the first ledger.
            let same = PlatformCityTests.batch(Array(interchangeLines[offset..<offset + lines.count]))
            offset += lines.count
            let interchange = Interchange.readBatch(same)
            try #require(interchange.problems.isEmpty)
            _ = try viaInterchange.append(interchange.submissions, recordedAt: fixedTime)
            if isPlatform {
                let batch = try viaPlatform.readPlatformMessages(PlatformCityTests.batch(lines))
                try #require(batch.problems.isEmpty, "\(batch.problems.prefix(3))")
                try #require(batch.submissions.count == interchange.submissions.count)
                specialChronicAsOutpatient += batch.specialChronicRecordedAsOutpatient
                // Each message is the settlement (or cancellation) of the interchange line in its place.
                for (message, line) in zip(batch.submissions, interchange.submissions) {
                    var fields: [Field: FieldValue] = message.event.fields
                    fields[Field.platformAssistance] = nil
                    let sameFact = message.event.type == line.event.type && message.event.person == line.event.person
                    #expect(sameFact, "line \(message.line)")
                    #expect(fields == line.event.fields, "line \(message.line)")
                }
                _ = try viaPlatform.append(batch.submissions, recordedAt: fixedTime)
            } else {
                let other = Interchange.readBatch(PlatformCityTests.batch(lines))
                try #require(other.problems.isEmpty)
                _ = try viaPlatform.append(other.submissions, recordedAt: fixedTime)
            }
        }
        #expect(specialChronicAsOutpatient == 0)
        let decisionsA = try viaInterchange.decisionEvents()
        let decisionsB = try viaPlatform.decisionEvents()
        #expect(decisionsA.count > persons / 2)
        #expect(decisionsA.map(\.sequence) == decisionsB.map(\.sequence))
        #expect(decisionsA.map(\.event) == decisionsB.map(\.event))
        let head = try viaInterchange.statistics().head.sequence
        #expect(try viaPlatform.statistics().head.sequence == head)
        #expect(try viaInterchange.accumulators(upTo: head) == viaPlatform.accumulators(upTo: head))
        #expect(try viaPlatform.verify().isClean)
    }

    /// Reading a rendered settlement back gives the event it was rendered from.
    @Test func renderedSettlementsReadBack() throws {
        var generator = ScenarioGenerator(.init(persons: 60, claimsPerPerson: 4, seed: 3))
        let events = generator.events()
        let certnos = Dictionary(events.filter { $0.type == .personRegistered }.map { ($0.person!, $0.text(.idNumber)!) },
                                 uniquingKeysWith: { first, _ in first })
        let settlements = events.filter { $0.type == .settlementRecorded }
        #expect(settlements.count > 100)
        let lines = settlements.map { PlatformMessages.render(settlement: $0, certno: certnos[$0.person!]!, msgid: $0.source!.key) }
        let lookup = PlatformMessages.Lookup(persons: { id in certnos.filter { $0.value == id }.map(\.key) }, claimOwner: { _ in nil })
        let batch = try PlatformMessages.read(Array(lines.joined(separator: "\n").utf8), lookup: lookup)
        #expect(batch.problems.isEmpty)
        let unique = Set(settlements.map(\.source!.key)).count
        #expect(batch.submissions.count == settlements.count && unique > 0)
        for (read, original) in zip(batch.submissions, settlements) {
            #expect(read.event.fields == original.fields && read.event.person == original.person)
            #expect(read.event.source == Source(system: "nhsa", key: original.source!.key))
        }
    }

    /// A ledger written before `idNumbers` existed (the database empty, the marker absent) is read
    /// without it, and gets it, complete, the first time it is opened writable.
    @Test func idNumberIndexIsBuiltForAnEarlierLedger() throws {
        let path = temporaryDirectory()
        var generator = ScenarioGenerator(.init(persons: 50, claimsPerPerson: 2, seed: 5))
        let submissions = generator.events().enumerated().map { Submission(line: $0.offset + 1, event: $0.element) }
        do {
            let ledger = try Ledger.open(at: path, create: true)
            _ = try ledger.append(submissions, recordedAt: fixedTime)
            try ledger.environment.write { transaction in
                try transaction.clear(ledger.environment.database("idNumbers"))
                #expect(try transaction.delete(ledger.environment.database("meta"), key: Array("index.idNumbers".utf8)))
            }
            #expect(try ledger.verify().isClean)
            #expect(throws: LedgerError.self) { try ledger.platformLookup() }
        }
        let reopened = try Ledger.open(at: path)
        #expect(try reopened.verify().isClean)
        let figures = try reopened.statistics().databases.first { $0.name == "idNumbers" }
        #expect(figures?.entries == 50)
        let registered = submissions.first { $0.event.type == .personRegistered }!.event
        #expect(try reopened.platformLookup().persons(registered.text(.idNumber)!) == [registered.person!])
    }
}
