import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
@testable import SigmarisApp
import SigmarisTestSupport
import Testing

/// One export per user, SIGMARIS_MAX_CONCURRENT_EXPORTS in all, and a place held exactly as long as
/// the download: over a real socket, a client that requests a large export and then stops reading
/// keeps the server's write waiting (and the place taken) until it goes away.
@Suite("Concurrent account exports", .enabled(if: TestDatabase.shouldRun))
struct ExportLimitTests {
    /// About 32 MB of messages: far more than the socket buffers of both ends hold, so the server's
    /// write waits while the client reads nothing.
    static func giveLongHistory(to user: UUID) async throws {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            _ = try await client.query(
                """
                INSERT INTO messages (user_id, session_id, role, content)
                SELECT $1, 'long', CASE WHEN g % 2 = 0 THEN 'user' ELSE 'ai' END, repeat('x', 1000)
                FROM generate_series(1, 32000) g
                """, [.uuid(user)])
        }
    }

    @Test func aSecondExportOfTheUserIs429AndPastTheCapIs503UntilTheFirstClientLeaves() async throws {
        let reader = UUID(), other = UUID()
        try await Self.giveLongHistory(to: reader)
        var configuration = try TestConfiguration.database()
        configuration.maxConcurrentExports = 1
        let (services, app) = try ServicesApp.make(configuration)
        let exports = services.exports
        let check = DocumentConformance(document: try OpenAPIDocument.load())
        let readerID = reader.uuidString.lowercased()

        try await app.test(.live) { client in
            let port = try #require(client.port)
            // It never reads: what the server sends stays in the socket buffers until they are full.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(string: """
                GET /api/account/export HTTP/1.1\r
                Host: x\r
                Authorization: Bearer \(API.userToken(reader))\r
                \r

                """)).get()
            #expect(await waitUntil { exports.inFlight(for: readerID) == 1 }, "the export never started")

            // The same user again: 429, whatever the total.
            let again = try await check.send(client, .init(.get, "/api/account/export", headers: API.bearer(API.userToken(reader)), expect: .tooManyRequests))
            #expect(try API.json(again)["reason"]?.stringValue == "export_in_progress")
            #expect(again.headers[.retryAfter] == "5")
            // Another user while the one place is taken: 503 busy.
            let busy = try await check.send(client, .init(.get, "/api/account/export", headers: API.bearer(API.userToken(other)), expect: .serviceUnavailable))
            #expect(try API.json(busy)["reason"]?.stringValue == "busy")
            #expect(busy.headers[.retryAfter] == "5")
            // Still held: the first download has not ended.
            #expect(exports.inFlight == 1)

            try await channel.close()
            #expect(await waitUntil { exports.inFlight == 0 }, "the abandoned export kept its place")

            let answer = try await check.send(client, .init(.get, "/api/account/export", headers: API.bearer(API.userToken(other)), expect: .ok))
            #expect(try API.json(answer)["user_id"]?.stringValue == other.uuidString.lowercased())
            #expect(await waitUntil { exports.inFlight == 0 }, "the finished export kept its place")
        }
    }

    /// A database that is down before the first byte: the 503 gives the place back at once.
    @Test func anExportThatFailsBeforeItsFirstByteGivesItsPlaceBack() async throws {
        var configuration = TestConfiguration.unreachableDatabase()
        configuration.maxConcurrentExports = 1
        let services = try AppServices(configuration: configuration, logger: TestConfiguration.logger)
        let user = UUID()
        let app = Application(router: buildRouter(services: services), services: services.lifecycleServices, logger: TestConfiguration.logger)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/api/account/export", method: .get, headers: API.bearer(API.userToken(user))) { response in
                    #expect(response.status == .serviceUnavailable)
                    let answer = try API.json(response)
                    #expect(answer["reason"]?.stringValue == "database_unavailable")
                }
                #expect(services.exports.inFlight == 0)
            }
        }
    }
}
