import Foundation
import Testing

/// Runs the built `caseledger` binary and compares its output with `Snapshots/`.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Tests/CaseledgerCLITests/Fixtures")

    /// The binary beside the test bundle (SwiftPM builds it because this target depends on it).
    static var binary: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.appendingPathComponent("caseledger")
    }

    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// Runs `caseledger arguments…`, feeding `input` on standard input.
    static func run(_ arguments: [String], input: String? = nil) throws -> Result {
        try execute(binary, arguments, input: input)
    }

    /// Runs `executable arguments…` in `directory` (by default this process's), feeding `input` on
    /// standard input.
    static func execute(_ executable: URL, _ arguments: [String], input: String? = nil, directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        // Both pipes are drained at once, and the input written beside them: a child that fills one
        // pipe while the other is read, or writes before it has read all its input, never blocks.
        let reading = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        nonisolated(unsafe) var outputData = Data()
        DispatchQueue.global().async(group: reading) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: reading) { outputData = output.fileHandleForReading.readDataToEndOfFile() }
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        reading.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func temporaryDirectory() -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("caseledger-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.appendingPathComponent("ledger").path
    }
}

/// Compares `actual` with `Snapshots/<name>`: records it when missing or when RECORD_SNAPSHOTS=1,
/// and a recording fails the test, so that no baseline changes silently.
func assertSnapshot(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = CLI.packageRoot.appendingPathComponent("Snapshots").appendingPathComponent(name)
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    if record || !FileManager.default.fileExists(atPath: url.path) {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        Issue.record("recorded snapshot \(name); run the tests again", sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: try Data(contentsOf: url), as: UTF8.self)
    #expect(actual == expected, "output differs from Snapshots/\(name); if the change is intended, record with RECORD_SNAPSHOTS=1 and say why in the commit", sourceLocation: sourceLocation)
}
