import LedgerCore
import LedgerModel

/// Text forms of the ledger's answers, shared by the command line and the server.
public enum Render {
    /// `key=value` for each field of an event, in stored order.
    public static func fields(of event: Event) -> String {
        event.orderedFields.map { "\($0.field.jsonName)=\(Interchange.text(of: $0.value, field: $0.field))" }
            .joined(separator: " ")
    }

    /// A person's timeline as a table an investigator reads.
    public static func timeline(_ timeline: Timeline) -> String {
        var lines: [String] = []
        var title = "Timeline of \(timeline.person)"
        if !timeline.mergedPersons.isEmpty {
            title += " (with \(timeline.mergedPersons.joined(separator: ", ")), merged into it)"
        }
        lines.append(title)
        lines.append(column("seq", 8, right: true) + "  " + column("recorded at", 24) + "  " + column("effective", 10)
            + "  " + column("event", 22) + "  content")
        for recorded in timeline.events {
            let event = recorded.event
            var content = fields(of: event)
            if let person = event.person, person != timeline.person { content = "person=\(person) " + content }
            if let source = event.source { content += " source=\(source.system)/\(source.key)" }
            lines.append(column(String(recorded.sequence), 8, right: true) + "  " + column(recorded.recordedAt.description, 24)
                + "  " + column(event.effectiveDate?.description ?? "-", 10) + "  " + column(event.type.name, 22) + "  " + content)
        }
        lines.append("\(timeline.events.count) event\(timeline.events.count == 1 ? "" : "s")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `stat` as text.
    public static func statistics(_ statistics: LedgerStatistics) -> String {
        var lines: [String] = []
        lines.append("head      sequence \(statistics.head.sequence)  hash \(statistics.head.hashHex)")
        lines.append("events    \(statistics.events)")
        lines.append("persons   \(statistics.persons)")
        lines.append("by type")
        for (type, count) in statistics.eventsByType where count > 0 {
            lines.append("  " + column(type.name, 24) + column(String(count), 12, right: true))
        }
        let environment = statistics.environment
        lines.append("lmdb      map \(environment.mapSizeBytes) bytes, page \(environment.pageSizeBytes) bytes, "
            + "\(environment.lastPageNumber + 1) pages used (\(statistics.freePages) free), file \(environment.fileSizeBytes) bytes")
        lines.append("  " + column("database", 14) + column("entries", 12, right: true) + column("depth", 7, right: true)
            + column("branch", 9, right: true) + column("leaf", 9, right: true) + column("overflow", 10, right: true))
        for database in statistics.databases {
            lines.append("  " + column(database.name, 14) + column(String(database.entries), 12, right: true)
                + column(String(database.depth), 7, right: true) + column(String(database.branchPages), 9, right: true)
                + column(String(database.leafPages), 9, right: true) + column(String(database.overflowPages), 10, right: true))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `"head": {"sequence": N, "hash": "hex"}` inside an object being written.
    public static func head(_ head: Head, to writer: inout JSONWriter) {
        writer.key("head")
        writer.beginObject()
        writer.member("sequence", integer: head.sequence)
        writer.member("hash", head.hashHex)
        writer.endObject()
    }

    /// `stat --json` as one JSON object.
    public static func statisticsJSON(_ statistics: LedgerStatistics) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        head(statistics.head, to: &writer)
        writer.member("events", integer: statistics.events)
        writer.member("persons", integer: statistics.persons)
        writer.key("eventsByType")
        writer.beginObject()
        for (type, count) in statistics.eventsByType where count > 0 { writer.member(type.name, integer: count) }
        writer.endObject()
        let environment = statistics.environment
        writer.key("lmdb")
        writer.beginObject()
        writer.member("mapSizeBytes", integer: environment.mapSizeBytes)
        writer.member("pageSizeBytes", integer: environment.pageSizeBytes)
        writer.member("pagesUsed", integer: environment.lastPageNumber + 1)
        writer.member("freePages", integer: statistics.freePages)
        writer.member("fileSizeBytes", integer: environment.fileSizeBytes)
        writer.key("databases")
        writer.beginObject()
        for database in statistics.databases {
            writer.key(database.name)
            writer.beginObject()
            writer.member("entries", integer: database.entries)
            writer.member("depth", integer: database.depth)
            writer.member("branchPages", integer: database.branchPages)
            writer.member("leafPages", integer: database.leafPages)
            writer.member("overflowPages", integer: database.overflowPages)
            writer.endObject()
        }
        writer.endObject()
        writer.endObject()
        writer.endObject()
        return writer.text + "\n"
    }

    /// Every problem of a refused batch, one per line, sorted by line.
    /// A refusal for people: the count, then the first `shown` problems in line order, then — when
    /// there were more — their counts by field and reason.
    public static func problems(_ problems: [LineProblem], lines: Int, shown: Int = 100) -> String {
        let badLines = Set(problems.map(\.line)).count
        var text = "refused: \(badLines) of \(lines) line\(lines == 1 ? "" : "s") \(badLines == 1 ? "has" : "have") problems; nothing was written\n"
        let summary = ProblemSummary(problems.sorted(by: { ($0.line, $0.field) < ($1.line, $1.field) }), shown: shown)
        for problem in summary.shown {
            text += problem.description + "\n"
        }
        guard summary.count > summary.shown.count else { return text }
        text += "… and \(summary.count - summary.shown.count) more problems (--all-problems lists every one, "
            + "--problems-file writes them as JSON lines); all \(summary.count) by field and reason:\n"
        for group in summary.groups {
            text += "\(group.count)\t\(group.field): \(group.reason)\n"
        }
        return text
    }

    /// Every problem as one JSON line each: `{"line":…,"field":…,"reason":…}`.
    public static func problemLines(_ problems: [LineProblem]) -> String {
        var text = ""
        for problem in problems.sorted(by: { ($0.line, $0.field) < ($1.line, $1.field) }) {
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("line", integer: problem.line)
            writer.member("field", problem.field)
            writer.member("reason", problem.reason)
            writer.endObject()
            text += writer.text + "\n"
        }
        return text
    }

    /// Pads or truncates nothing: a column at least `width` wide.
    public static func column(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let padding = String(repeating: " ", count: width - count)
        return right ? padding + text : text + padding
    }
}
