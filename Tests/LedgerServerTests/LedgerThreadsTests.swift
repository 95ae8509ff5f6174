import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerModel
import LedgerServer
import Testing

/// Ledger work runs on threads of its own: appends waiting for the writer never hold the threads
/// that every connection's async work shares, so reads go on answering.
@Suite struct LedgerThreadsTests {
    @Test func readsAnswerWhileAppendsWaitForTheWriter() async throws {
        let fixture = try Fixture()
        let released = LockedFlag()
        let holding = DispatchSemaphore(value: 0)
        // Another writer holds the ledger's write lock until released (or, should reads never
        // answer, for 20 s so the test ends rather than hangs).
        let holder = Thread {
            try? fixture.ledger.environment.write { _ in
                holding.signal()
                for _ in 0..<200 where !released.value { usleep(100_000) }
                released.set()
            }
        }
        holder.start()
        holding.wait()
        try await fixture.test { client in
            let line = #"{"type":"policy.published","source":{"system":"t","key":"K"},"parameter":"tilted.cap","value":"100000","validFrom":"2030-01-01","clause":"x"}"#
            // More waiting appends than the cooperative pool has threads.
            let appends = Task {
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<(2 * ProcessInfo.processInfo.activeProcessorCount + 2) {
                        group.addTask {
                            try await client.execute(uri: "/events", method: .post, headers: fixture.headers(.ingest),
                                                     body: ByteBuffer(string: line.replacingOccurrences(of: "\"K\"", with: "\"K\(index)\"") + "\n")).status
                        }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let health = try await client.execute(uri: "/health", method: .get, headers: [:])
            let timeline = try await client.execute(uri: "/persons/P1/timeline", method: .get, headers: fixture.headers(.auditor))
            #expect(!released.value, "the reads answered only after the writer was released")
            #expect(health.status == .ok && timeline.status == .ok)
            released.set()
            let statuses = try await appends.value
            #expect(statuses.allSatisfy { $0 == .created }, "\(statuses)")
        }
    }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
