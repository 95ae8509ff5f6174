import Crypto
import Foundation
import LedgerModel
import LedgerStorage

/// Who is calling: the token's name and role.
public struct Principal: Sendable, Equatable {
    public let name: String
    public let role: Role
}

/// Bearer tokens kept by the operator in a file, one per line: `sha256-hex <TAB> role <TAB> name`.
/// Only hashes are stored; a token is shown once, when it is made.
public struct TokenStore: Sendable {
    public struct Entry: Sendable, Equatable {
        public let hash: String
        public let role: Role
        public let name: String
    }

    public private(set) var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(line: Int, reason: String)
        case duplicateName(String)
        case unknownName(String)
        case badName(String)

        public var description: String {
            switch self {
            case .unreadable(let path): return "cannot read the tokens file \(path)"
            case .malformed(let line, let reason): return "tokens file line \(line): \(reason)"
            case .duplicateName(let name): return "a token named \(name) exists; revoke it first"
            case .unknownName(let name): return "no token is named \(name)"
            case .badName(let name): return "a token name is 1-64 of A-Z a-z 0-9 _ - . @, not \(name)"
            }
        }
    }

    /// Reads a tokens file; a missing file is an empty store.
    public static func load(path: String) throws(Failure) -> TokenStore {
        guard FileManager.default.fileExists(atPath: path) else { return TokenStore() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 64, bytes(hex: String(parts[0])) != nil else {
                throw .malformed(line: index + 1, reason: "expected sha256-hex, role and name separated by tabs")
            }
            guard let role = Role(word: String(parts[1])) else {
                throw .malformed(line: index + 1, reason: "unknown role \(parts[1])")
            }
            entries.append(Entry(hash: String(parts[0]), role: role, name: String(parts[2])))
        }
        return TokenStore(entries: entries)
    }

    public func save(path: String) throws {
        let text = entries.map { "\($0.hash)\t\($0.role.word)\t\($0.name)\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        chmod(path, 0o600)
    }

    static func hash(_ token: String) -> String { hexString(SHA256.hash(data: Data(token.utf8))) }

    /// Makes a new token for `name` with `role`; returns the token, which is not stored anywhere.
    public mutating func add(name: String, role: Role) throws(Failure) -> String {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "@")
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else { throw .badName(name) }
        guard !entries.contains(where: { $0.name == name }) else { throw .duplicateName(name) }
        var random = SystemRandomNumberGenerator()
        let token = "clt_" + hexString((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })
        entries.append(Entry(hash: TokenStore.hash(token), role: role, name: name))
        return token
    }

    public mutating func revoke(name: String) throws(Failure) {
        guard entries.contains(where: { $0.name == name }) else { throw .unknownName(name) }
        entries.removeAll { $0.name == name }
    }

    /// The principal a presented token stands for, if any.
    public func principal(for token: String) -> Principal? {
        let hash = TokenStore.hash(token)
        return entries.first { $0.hash == hash }.map { Principal(name: $0.name, role: $0.role) }
    }
}

/// Masking of identity data for investigators.
public enum Masking {
    /// `4501**********001X`: the first 4 and last 4 characters of an identity number.
    public static func idNumber(_ text: String) -> String { ResidentID.masked(text) }

    /// `1990-**-**`: the year of birth only.
    public static func birthDate(_ date: CivilDate) -> String { "\(date.year)-**-**" }

    /// `4501**`: the city of a 6-digit division code, not the county.
    public static func region(_ code: Int64) -> String { String(String(code).prefix(4)) + "**" }

    /// The first character of a name, the rest as `*`.
    public static func name(_ text: String) -> String {
        guard let first = text.first else { return text }
        return String(first) + String(repeating: "*", count: max(1, text.count - 1))
    }
}

/// The tokens a running server checks: a fixed store, or the operator's tokens file read again
/// whenever it changes, so that `caseledger token revoke` takes effect at the next request without
/// a restart.
///
/// A file that cannot be read or parsed any more fails closed: every token is refused until the
/// file is whole again (a revocation must never be undone by a damaged file).
public final class TokenProvider: @unchecked Sendable {
    // @unchecked Sendable: `cached` and `stamp` are read and written only under `lock`.
    private let path: String?
    private let lock = Mutex()
    private var cached: TokenStore
    private var stamp: [Int]

    public init(fixed store: TokenStore) {
        path = nil
        cached = store
        stamp = []
    }

    /// Reads `path` now; a tokens file that does not parse is refused at start.
    public init(path: String) throws(TokenStore.Failure) {
        self.path = path
        stamp = TokenProvider.stamp(of: path)
        cached = try TokenStore.load(path: path)
    }

    /// The identity of the file's current content as the file system tells it: inode, size and
    /// modification time (`save` replaces the file by a rename, so every save changes the inode).
    private static func stamp(of path: String) -> [Int] {
        var status = stat()
        guard stat(path, &status) == 0 else { return [-1] }
        return [Int(status.st_ino), Int(status.st_size), Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)]
    }

    /// The tokens in force now.
    public func current() -> TokenStore {
        lock.lock()
        defer { lock.unlock() }
        guard let path else { return cached }
        let now = TokenProvider.stamp(of: path)
        if now != stamp {
            stamp = now
            cached = (try? TokenStore.load(path: path)) ?? TokenStore()
        }
        return cached
    }
}
