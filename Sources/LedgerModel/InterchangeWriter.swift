extension Interchange {
    /// Writes an event as an interchange line: `type`, `source`, `person`, its fields in stored order,
    /// then the ledger's stamp when given, which must carry its hash (``RecordedEvent/chained(_:)``).
    /// The same event always gives the same bytes.
    public static func render(_ event: Event, stamp recorded: RecordedEvent? = nil) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("type", event.type.name)
        if let source = event.source {
            writer.key("source")
            writer.beginObject()
            writer.member("system", source.system)
            writer.member("key", source.key)
            writer.endObject()
        }
        if let person = event.person { writer.member("person", person) }
        for entry in event.orderedFields {
            writer.key(entry.field.jsonName)
            write(entry.value, of: entry.field, to: &writer)
        }
        if let recorded {
            guard let hash = recorded.hash else { preconditionFailure("a stamp is written with its chain hash") }
            writer.key("ledger")
            writer.beginObject()
            writer.member("sequence", integer: recorded.sequence)
            writer.member("recordedAt", recorded.recordedAt.description)
            writer.member("hash", hexString(hash))
            writer.endObject()
        }
        writer.endObject()
        return writer.text
    }

    /// The text form of one value, as the interchange and the ledger's answers write it.
    public static func text(of value: FieldValue, field: Field) -> String {
        switch value {
        case .text(let text): return text
        case .date(let date): return date.description
        case .money(let money): return money.yuanString
        case .integer(let integer): return String(integer)
        case .symbol(let index):
            if case .symbol(let words) = field.kind { return words[index] }
            return String(index)
        case .integers(let integers): return integers.map(String.init).joined(separator: ",")
        case .reason(let reason): return reason.text
        }
    }

    static func write(_ value: FieldValue, of field: Field, to writer: inout JSONWriter) {
        switch (value, field.kind) {
        case (.integer(let integer), .year), (.integer(let integer), .count):
            writer.integer(integer)
        case (.integers(let integers), _):
            writer.beginArray()
            for integer in integers { writer.integer(integer) }
            writer.endArray()
        default:
            writer.string(text(of: value, field: field))
        }
    }
}
