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
    @inlinable
    public static func append(_ number: Int64, to bytes: inout [UInt8]) {
        append(unsigned: UInt64(bitPattern: (number << 1) ^ (number >> 63)), to: &bytes)
    }

    /// Appends `number` as a plain varint (no zigzag), least significant seven bits first: one
    /// byte as it is, more written out on the stack and appended at once (appended byte by byte,
    /// each byte would check the array's uniqueness and capacity).
    @inlinable
    public static func append(unsigned number: UInt64, to bytes: inout [UInt8]) {
        if number < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: number))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Writer.maximumLength) { buffer in
            var writer = Writer(buffer.baseAddress!)
            writer.unsigned(number)
            // Byte by byte: for at most ten bytes, a copy of the block costs a call to `memmove`.
            for byte in buffer[..<writer.count] { bytes.append(byte) }
        }
    }

    /// The bytes of `body`'s varints and texts, which take at most `capacity` bytes, in one
    /// array written in place.
    @inlinable
    public static func encode(capacity: Int, _ body: (inout Writer) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var writer = Writer(buffer.baseAddress!)
            body(&writer)
            precondition(writer.count <= capacity, "\(writer.count) bytes written into room for \(capacity)")
            count = writer.count
        }
    }

    /// Writes varints at a pointer, with no check of the room: the caller gives room for at most
    /// ``maximumLength`` bytes a number, and a text's bytes and length.
    public struct Writer {
        /// The most bytes a varint of 64 bits takes.
        public static let maximumLength = 10
        @usableFromInline let base: UnsafeMutablePointer<UInt8>
        @usableFromInline var position = 0
        /// The bytes written so far.
        public var count: Int { position }

        /// Writes from `base`, which the caller keeps room behind.
        @inlinable
        public init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

        /// A plain varint, least significant seven bits first.
        @inlinable
        public mutating func unsigned(_ number: UInt64) {
            var number = number
            while number >= 0x80 {
                base[position] = UInt8(truncatingIfNeeded: number) | 0x80
                number >>= 7
                position += 1
            }
            base[position] = UInt8(truncatingIfNeeded: number)
            position += 1
        }

        /// A zigzag varint.
        @inlinable
        public mutating func signed(_ number: Int64) { unsigned(UInt64(bitPattern: (number << 1) ^ (number >> 63))) }

        /// A length-prefixed UTF-8 text, as ``Varints/append(text:to:)`` writes it.
        @inlinable
        public mutating func text(_ text: String) {
            var text = text
            text.withUTF8 { self.text(utf8: UnsafeRawBufferPointer($0)) }
        }

        /// Length-prefixed UTF-8 `bytes`, as ``text(_:)`` writes a text of them.
        @inlinable
        public mutating func text(utf8 bytes: UnsafeRawBufferPointer) {
            unsigned(UInt64(bytes.count))
            if let source = bytes.baseAddress { UnsafeMutableRawPointer(base + position).copyMemory(from: source, byteCount: bytes.count) }
            position += bytes.count
        }
    }

    /// Appends `text` length-prefixed, as ``encode(text:)`` writes it.
    public static func append(text: String, to bytes: inout [UInt8]) {
        append(unsigned: UInt64(text.utf8.count), to: &bytes)
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
