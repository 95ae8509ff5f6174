import Foundation
import LedgerStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `caseledger serve` as a client meets it on loopback.
@Suite struct ServeTests {
    /// Starts `serve` on a ledger of its own and waits until it listens; returns the process, its
    /// port, its standard error and what it said there so far.
    static func serve(_ extra: [String]) throws -> (Process, Int, Pipe, String) {
        let ledger = CLI.temporaryDirectory()
        #expect(try CLI.run(["--ledger", ledger, "init"]).status == 0)
        let tokens = ledger + ".tokens"
        _ = try CLI.run(["token", "add", "--tokens", tokens, "--role", "ops", "--name", "ops.tester"])
        let port = ServeTests.freePort()
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["--ledger", ledger, "serve", "--tokens", tokens, "--port", String(port)] + extra
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var said = ""
        while !said.contains("serving") {
            let chunk = error.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        // Listening follows the message by a moment.
        for _ in 0..<50 where (try? RawConnection(port: port)) == nil { usleep(100_000) }
        return (process, port, error, said)
    }

    /// A loopback port free a moment ago (the kernel's choice for port 0).
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 ? getsockname(descriptor, pointer, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Ledger work runs on threads of its own: appends waiting for the writer never hold the threads
    /// every connection's async work shares, so reads go on answering. Another process (this test)
    /// holds LMDB's writer lock, which is the file's, while more appends than the machine has cores wait.
    @Test func readsAnswerWhileAppendsWaitForTheWriter() throws {
        let (server, port, _, _) = try ServeTests.serve([])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let ledger = server.arguments![1]
        let token = try CLI.run(["token", "add", "--tokens", ledger + ".tokens", "--role", "ingest", "--name", "ingest.tester"])
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let environment = try Environment(path: ledger, databases: [DatabaseSpec("log")])
        let hold = WriterHold()
        let holder = Thread { hold.hold(environment) }
        holder.start()
        hold.waitUntilHeld()
        let appends = (0..<(2 * ProcessInfo.processInfo.activeProcessorCount + 2)).map { index in
            let connection = try? RawConnection(port: port)
            let line = #"{"type":"policy.published","source":{"system":"t","key":"K\#(index)"},"parameter":"tilted.cap","value":"100000","validFrom":"2030-01-01","clause":"x"}"# + "\n"
            connection?.send("POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(line.utf8.count)\r\n\r\n" + line)
            return connection
        }
        usleep(300_000)
        let health = try RawConnection(port: port)
        health.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = health.readLine(waiting: 15_000)
        let stillHeld = hold.release()
        #expect(answer.hasPrefix("HTTP/1.1 200"), "/health answers")
        #expect(stillHeld, "it answered while the appends waited for the writer")
        for connection in appends { #expect(connection?.readLine(waiting: 15_000).hasPrefix("HTTP/1.1 201") == true) }
    }

    @Test func slowHeadsAreCutOffAndConnectionsCapped() throws {
        let (server, port, _, _) = try ServeTests.serve(["--max-connections", "4", "--head-timeout", "1", "--idle-timeout", "2"])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        // Three times the cap of connections, each sending half a request head and stopping.
        let idle = try (0..<12).map { _ in try RawConnection(port: port) }
        for connection in idle { connection.send("GET /health HTTP/1.1\r\nHost: x") }
        sleep(4)
        #expect(idle.allSatisfy { $0.isClosedByPeer() }, "every half-sent head is cut off")
        let fresh = try RawConnection(port: port)
        fresh.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(fresh.readLine(waiting: 15_000).hasPrefix("HTTP/1.1 200"), "/health answers past the crowd")
    }
}

/// Holds LMDB's writer lock of a ledger from this process until released, or for 20 s at most.
final class WriterHold: @unchecked Sendable {
    // @unchecked Sendable: every flag is read and written under `condition`.
    private let condition = NSCondition()
    private var held = false
    private var released = false
    private var timedOut = false

    func hold(_ environment: Environment) {
        try? environment.write { _ in
            condition.lock()
            held = true
            condition.broadcast()
            let deadline = Date().addingTimeInterval(20)
            while !released && !timedOut { timedOut = !condition.wait(until: deadline) }
            condition.unlock()
        }
    }

    func waitUntilHeld() {
        condition.lock()
        while !held { condition.wait() }
        condition.unlock()
    }

    /// Releases the lock; returns whether it was still held (not given up on time).
    func release() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        released = true
        condition.broadcast()
        return !timedOut
    }
}

/// A plain TCP connection to the server on loopback.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) { _ = text.withCString { write(descriptor, $0, strlen($0)) } }

    /// Whether the server closed the connection (a read returns end of file, or it was reset).
    func isClosedByPeer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, 1000) > 0 else { return false }
        return read(descriptor, &buffer, buffer.count) <= 0
    }

    /// The first line the server sends, waiting up to `milliseconds`.
    func readLine(waiting milliseconds: Int32) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while !received.contains(10), Glibc.poll(&poll, 1, milliseconds) > 0 {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer.prefix(count)
        }
        return String(decoding: received.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
    }

    deinit { close(descriptor) }
}
