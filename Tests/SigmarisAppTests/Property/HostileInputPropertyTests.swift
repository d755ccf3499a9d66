import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SigmarisApp
import SigmarisEngine
import SigmarisJSON
import SigmarisTestSupport
import Testing

/// Issue 14, hostile input: thousands of generated requests (seeded, so a failure replays exactly)
/// through the real router and the real database. Every answer is a 2xx or a JSON 4xx, never a 5xx,
/// and a refused request changes no row of any table.
///
/// `SIGMARIS_PROPERTY_SEED` and `SIGMARIS_PROPERTY_REQUESTS` override the seed and the count, to
/// replay a failure or to search longer; `make test` runs the fixed defaults.
@Suite("Hostile input never gets a 5xx or changes a row", .enabled(if: TestDatabase.shouldRun))
struct HostileInputPropertyTests {
    static let defaultSeed: UInt64 = 0x5167_6D61_7269_7314
    static let defaultRequests = 2_500

    @Test func generatedRequestsGetNo5xxAndRefusedOnesChangeNothing() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["SIGMARIS_PROPERTY_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        let count = environment["SIGMARIS_PROPERTY_REQUESTS"].flatMap { Int($0) } ?? Self.defaultRequests

        let database = try await PropertyDatabase.recreate("sigmaris_property")
        var configuration = try TestConfiguration.database()
        configuration.databaseURL = database.url
        configuration.devSignIn = true
        // On, and low: 429s are part of what is checked, and they bound how many turns run.
        configuration.turnRateLimitPerMinute = 20
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)

        var userIDs = SplitMix64(seed: seed ^ 0xA5A5)
        let users = (0..<6).map { _ in userIDs.uuid() }
        let tokens = Dictionary(uniqueKeysWithValues: users.map { ($0, API.userToken($0)) })
        var generator = HostileRequests(
            random: SplitMix64(seed: seed), users: users,
            serviceUserIDs: ["u_prop_1", "u_prop_2", "😀-user", "user with spaces", String(repeating: "x", count: 200)],
            userToken: { tokens[$0]! }, serviceToken: API.serviceToken())
        let requests = (0..<count).map { _ in generator.next() }

        let statuses = try await app.test(.router) { client in
            var statuses: [Int: Int] = [:]
            var failures = 0
            var before = try await database.rowCounts()
            for (index, request) in requests.enumerated() where failures < 5 {
                let (status, body) = try await client.execute(
                    uri: request.uri, method: request.method, headers: request.headers,
                    body: request.body.map { ByteBuffer(bytes: $0) }
                ) { response in
                    (response.status.code, Array(response.body.readableBytesView))
                }
                statuses[status, default: 0] += 1
                if let problem = try await Self.problem(status: status, body: body, database: database, before: &before) {
                    failures += 1
                    Issue.record("request \(index) of seed \(seed): \(problem)\n  \(request.label)")
                }
            }
            return failures == 0 ? statuses : nil
        }
        await database.shutdown()
        guard let statuses else { return }  // stopped at the first failures, recorded above
        print("hostile input: \(count) requests, seed \(seed), statuses \(statuses.sorted { $0.key < $1.key })")
        // The run must have exercised both sides: turns that wrote rows and requests that were refused.
        #expect(statuses[200, default: 0] > 50)
        #expect(statuses.filter { (400..<500).contains($0.key) }.values.reduce(0, +) > count / 3)
    }

    /// What is wrong with one answer, if anything.
    static func problem(status: Int, body: [UInt8], database: PropertyDatabase, before: inout [String: Int]) async throws -> String? {
        if status >= 500 {
            return "answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        // A streamed turn's failure is an `error` event in a 200; none of these may fail either.
        if let error = String(decoding: body, as: UTF8.self).range(of: "event: error") {
            return "streamed an error: \(String(decoding: body, as: UTF8.self)[error.lowerBound...].prefix(300))"
        }
        let after = try await database.rowCounts()
        defer { before = after }
        guard (400..<500).contains(status) else { return nil }
        if after != before {
            let changed = after.filter { before[$0.key] != $0.value }.map { "\($0.key) \(before[$0.key] ?? 0) → \($0.value)" }
            return "refused with \(status) but changed rows: \(changed.sorted())"
        }
        guard let error = try? JSONValue(parsing: body), error["error"]?.stringValue?.isEmpty == false else {
            return "refused with \(status) without a JSON error: \(String(decoding: body.prefix(300), as: UTF8.self))"
        }
        return nil
    }
}
