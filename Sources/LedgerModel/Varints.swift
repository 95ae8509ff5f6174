/// Zigzag varints (the protobuf encoding of signed integers), for the ledger's projections.
public enum Varints {
    public static func encode(_ numbers: [Int64]) -> [UInt8] {
        var bytes: [UInt8] = []
        for number in numbers { append(number, to: &bytes) }
        return bytes
    }

    /// A length-prefixed UTF-8 text.
    public static func encode(text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        append(text: text, to: &bytes)
        return bytes
    }

    /// Appends `number` as a zigzag varint.
    public static func append(_ number: Int64, to bytes: inout [UInt8]) {
        WireWriter.appendVarint(EventCodec.zigzag(number), to: &bytes)
    }

    /// Appends `number` as a plain varint (no zigzag), least significant seven bits first.
    public static func append(unsigned number: UInt64, to bytes: inout [UInt8]) {
        WireWriter.appendVarint(number, to: &bytes)
    }

    /// Appends `text` length-prefixed, as ``encode(text:)`` writes it.
    public static func append(text: String, to bytes: inout [UInt8]) {
        WireWriter.appendVarint(UInt64(text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    /// Reads zigzag varints one at a time, without collecting them.
    public struct Reader {
        private var reader: WireReader

        public init(_ bytes: UnsafeRawBufferPointer) { reader = WireReader(bytes: bytes) }

        public var isAtEnd: Bool { reader.isAtEnd }

        /// The next number, or nil at the end or at a malformed varint.
        public mutating func next() -> Int64? {
            guard !reader.isAtEnd, let value = try? reader.varint() else { return nil }
            return EventCodec.unzigzag(value)
        }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [Int64]? {
        var reader = WireReader(bytes: bytes)
        var numbers: [Int64] = []
        while !reader.isAtEnd {
            guard let value = try? reader.varint() else { return nil }
            numbers.append(EventCodec.unzigzag(value))
        }
        return numbers
    }

    /// A length-prefixed text and what follows it.
    public static func decodeText(_ bytes: UnsafeRawBufferPointer) -> (String, UnsafeRawBufferPointer)? {
        var reader = WireReader(bytes: bytes)
        guard let text = try? reader.text(field: 0) else { return nil }
        return (text, UnsafeRawBufferPointer(rebasing: bytes[reader.position...]))
    }
}
