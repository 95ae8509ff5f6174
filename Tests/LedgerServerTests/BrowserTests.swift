import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerModel
import LedgerServer
import Testing

/// A real browser loads the person page from a running server: headless Chromium (Debian's
/// `chromium`), the rendered DOM checked, a screenshot kept under the test's output.
@Suite struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let output = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/test-output")

    /// Runs Chromium headless with `arguments`; returns what it printed.
    static func chromium(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium ?? "/usr/bin/chromium")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--user-data-dir=\(FileManager.default.temporaryDirectory.path)/caseledger-chromium-\(UUID().uuidString)"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: BrowserTests.chromium != nil,
                   "no headless Chromium on this machine (apt-get install -y chromium); the page itself is checked by APITests"))
    func thePersonPageRendersItsEventsAndCharts() async throws {
        let fixture = try Fixture()
        var store = TokenStore()
        let token = try store.add(name: "browser.auditor", role: .auditor)
        let server = LedgerServer(ledger: fixture.ledger, tokens: store, clock: { Timestamp(millisecondsSinceEpoch: 1_767_312_000_000) })
        let app = Application(router: server.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(TestingSetup.live) { client in
            let port = try #require(client.port)
            let anonymous = try await client.execute(uri: "/persons/P1", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[values: .wwwAuthenticate].contains { $0.hasPrefix("Basic") }, "a browser is asked to log in")
            // A browser logs in with HTTP Basic: any user name, the token as password.
            let url = "http://auditor:\(token)@127.0.0.1:\(port)/persons/P1?year=2024"
            let dom = try BrowserTests.chromium(["--dump-dom", url])
            #expect(dom.contains("data-person=\"P1\""), "\(dom.prefix(300))")
            #expect(dom.contains("<svg id=\"chart-base\""))
            #expect(dom.contains("<svg id=\"chart-granted\""))
            #expect(dom.contains("data-type=\"assistance.granted\""))
            #expect(dom.contains("data-type=\"tilted.granted\""))
            #expect(dom.contains("Eligible 3500.00 × 70% = 2450.00, granted."))
            try FileManager.default.createDirectory(at: BrowserTests.output, withIntermediateDirectories: true)
            let screenshot = BrowserTests.output.appendingPathComponent("person-P1.png")
            try? FileManager.default.removeItem(at: screenshot)
            _ = try BrowserTests.chromium(["--screenshot=\(screenshot.path)", "--window-size=1200,1600", url])
            #expect(FileManager.default.fileExists(atPath: screenshot.path), "screenshot saved to \(screenshot.path)")
            print("screenshot of the person page: \(screenshot.path)")
        }
    }
}
