import ArgumentParser
import LedgerModel
import Foundation
import Hummingbird
import LedgerCore
import LedgerQueries
import LedgerServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and the investigators' pages (loopback by default).",
        discussion: """
            Routes: POST /events (?format=platform for the national platform's messages), GET \
            /persons/{id}/timeline, /persons/{id}/years/{year}, /persons/{id} (HTML), /reports/{name}, /ops \
            (HTML: the year's data-sharing lags), /params, /rebuild, /health, /metrics, /openapi.yaml. Every \
            route but /health and /openapi.yaml takes a bearer token from the --tokens file (see \
            `caseledger token`). Every read of a person, and every report that lists persons, is recorded \
            in the ledger. Connections are capped (--max-connections) and a request's head must arrive \
            within --head-timeout seconds.

            Examples:
              caseledger token add --tokens ./tokens --role investigator --name wang.li
              caseledger --ledger ./ledger serve --tokens ./tokens --port 8080
              curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/persons/P0000001/timeline
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The port.") var port = 8080
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: ArgumentHelp("The tokens file (hashes only), made by `caseledger token add`.", valueName: "file")) var tokens: String
    @Option(help: "Connections served at once; more wait until one closes.") var maxConnections = 512
    @Option(help: ArgumentHelp("Seconds a connection has to send a request's whole head.", valueName: "seconds")) var headTimeout = 10
    @Option(help: ArgumentHelp("Seconds an idle connection is kept open.", valueName: "seconds")) var idleTimeout = 60

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port is 1 to 65535") }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections is 1 to 100000") }
        guard (1...3600).contains(headTimeout), (1...3600).contains(idleTimeout) else {
            throw ValidationError("--head-timeout and --idle-timeout are 1 to 3600 seconds")
        }
    }

    func run() async throws {
        let ledger = try global.open(create: true)
        // The file is read again whenever it changes: `token add` and `token revoke` need no restart.
        let provider: TokenProvider
        do { provider = try TokenProvider(path: tokens) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if provider.current().entries.isEmpty {
            printError("warning: \(tokens) holds no token yet: every route but /health answers 401 until `caseledger token add`")
        }
        let server = LedgerServer(ledger: ledger, tokens: provider, clock: { now() })
        var limits = ConnectionLimits()
        limits.maximumConnections = maxConnections
        limits.headTimeoutSeconds = Int64(headTimeout)
        limits.idleTimeoutSeconds = Int64(idleTimeout)
        let app = server.application(host: host, port: port, limits: limits)
        printError("serving \(try global.ledgerPath()) on http://\(host):\(port)")
        do {
            try await app.runService()
        } catch {
            server.accessLog.stop()
            throw error
        }
        // Every read answered has its access record written before the process ends.
        server.accessLog.stop()
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the bearer tokens of the server.",
        discussion: """
            Roles: ingest (append only), ops (reports, rebuild status, metrics), auditor (everything \
            read-only, full identity numbers), investigator (timelines and years, identity numbers and \
            names masked). The file keeps only SHA-256 hashes; a new token is printed once.

            Examples:
              caseledger token add --tokens ./tokens --role auditor --name audit.office
              caseledger token revoke --tokens ./tokens --name audit.office
              caseledger token list --tokens ./tokens
            """,
        subcommands: [Add.self, Revoke.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token and print it once.",
            discussion: "Example:\n  caseledger token add --tokens ./tokens --role ingest --name tax.bureau")
        @Option(help: "The tokens file.") var tokens: String
        @Option(help: "ingest, ops, auditor or investigator.") var role: Role
        @Option(help: "Who holds it (shown in access records).") var name: String

        func run() throws {
            print(try update(tokens) { (store: inout TokenStore) throws(TokenStore.Failure) in try store.add(name: name, role: role) })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke the token of a name.",
            discussion: "Example:\n  caseledger token revoke --tokens ./tokens --name tax.bureau")
        @Option(help: "The tokens file.") var tokens: String
        @Option(help: "The token's name.") var name: String

        func run() throws {
            try update(tokens) { (store: inout TokenStore) throws(TokenStore.Failure) in try store.revoke(name: name) }
            print("revoked \(name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List names and roles (never tokens).",
            discussion: "Example:\n  caseledger token list --tokens ./tokens")
        @Option(help: "The tokens file.") var tokens: String

        func run() throws {
            for entry in try load(tokens).entries { print("\(entry.name)\t\(entry.role.word)") }
        }
    }
}

/// Loads the tokens file, changes it, and saves it; a refused change is exit 1 with its reason.
@discardableResult
private func update<T>(_ path: String, _ change: (inout TokenStore) throws(TokenStore.Failure) -> T) throws -> T {
    var store = try load(path)
    do {
        let result = try change(&store)
        try store.save(path: path)
        return result
    } catch let error as TokenStore.Failure {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

private func load(_ path: String) throws -> TokenStore {
    do { return try TokenStore.load(path: path) } catch {
        printError("error: \(error)")
        throw ExitCode(2)
    }
}
