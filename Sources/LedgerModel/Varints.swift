/// Zigzag varints (the protobuf encoding of signed integers), for the ledger's projections.
public enum Varints {
    public static func encode(_ numbers: [Int64]) -> [UInt8] {
        var writer = WireWriter()
        for number in numbers { writer.rawVarint(EventCodec.zigzag(number)) }
        return writer.bytes
    }

    /// A length-prefixed UTF-8 text.
    public static func encode(text: String) -> [UInt8] {
        var writer = WireWriter()
        writer.rawVarint(UInt64(text.utf8.count))
        writer.bytes.append(contentsOf: text.utf8)
        return writer.bytes
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
