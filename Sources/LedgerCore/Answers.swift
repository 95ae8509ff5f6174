import LedgerModel
import LedgerRules
import LedgerStorage

/// One subject's decision, net of its adjustments, with the latest breakdown.
public struct NetDecision: Sendable {
    public let subject: Subject
    public var person: String
    public var year: Int
    /// The latest decision or adjustment: its fields are the current breakdown.
    public var latest: Event
    public var latestSequence: UInt64
    public var firstSequence: UInt64
    public var grant: Money
    public var adjustments: Int

    /// Folds decision events into one net decision per subject, in the order subjects were first decided.
    public static func fold(_ events: [RecordedEvent]) -> [NetDecision] {
        var order: [Subject] = []
        var bySubject: [Subject: NetDecision] = [:]
        for recorded in events {
            let event = recorded.event
            guard let subject = PersonHistory.subject(of: event) else { continue }
            if var existing = bySubject[subject] {
                existing.grant += event.money(.amount) ?? .zero
                existing.latest = event
                existing.latestSequence = recorded.sequence
                existing.adjustments += 1
                existing.person = event.person ?? existing.person
                bySubject[subject] = existing
            } else {
                order.append(subject)
                bySubject[subject] = NetDecision(subject: subject, person: event.person ?? "", year: Accumulator.year(of: event) ?? 0,
                                                 latest: event, latestSequence: recorded.sequence, firstSequence: recorded.sequence,
                                                 grant: event.money(.amount) ?? .zero, adjustments: 0)
            }
        }
        return order.compactMap { bySubject[$0] }
    }
}

