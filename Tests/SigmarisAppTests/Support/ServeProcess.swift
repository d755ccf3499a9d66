import Foundation
import SigmarisCurl
import SigmarisTestSupport

/// A real `sigmaris serve` in a process of its own, on the test database with the local provider:
/// for tests that need a second OS process (a crash, another instance).
struct ServeProcess {
    let process: ChildProcess
    let baseURL: String
    let logPath: String

    /// Starts the built binary on a free loopback port; `extra` adds or overrides variables.
    static func start(_ extra: [String: String] = [:]) throws -> ServeProcess {
        let port = try ChildProcess.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sigmaris-serve-\(UUID()).log").path
        let environment = [
            "DATABASE_URL": try TestDatabase.url(), "SUPABASE_JWT_SECRET": TestConfiguration.jwtSecret,
            "SIGMARIS_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path, "SIGMARIS_LLM_PROVIDER": "local",
            "SIGMARIS_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin",
            // As in TestConfiguration: limits counted in the shared test database would couple tests.
            "SIGMARIS_SHARED_LIMITS": "false",
        ].merging(extra) { _, new in new }
        let assignments = environment.map { "\($0.key)=\(ChildProcess.quoted($0.value))" }.joined(separator: " ")
        let process = try ChildProcess(
            shellCommand: "env -i \(assignments) \(ChildProcess.quoted(StartupRefusalTests.binary)) serve --env-file /dev/null --host 127.0.0.1 --port \(port)",
            logPath: log)
        return ServeProcess(process: process, baseURL: "http://127.0.0.1:\(port)", logPath: log)
    }

    /// True once `/readyz` answers 200 (within about 30 s).
    func waitUntilReady(http: CurlHTTPClient) async -> Bool {
        for _ in 0..<300 {
            if let response = try? await http.send(HTTPRequest(method: .get, url: baseURL + "/readyz"), logger: TestDatabase.logger),
               response.status == 200 {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// What the server logged, for a failure message.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Kills the server (SIGKILL unless told otherwise) and removes its log.
    func stop(_ signal: Int32 = SIGKILL) {
        process.kill(signal)
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
