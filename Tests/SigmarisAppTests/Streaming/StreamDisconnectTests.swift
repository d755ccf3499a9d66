import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
@testable import SigmarisApp
import SigmarisTestSupport
import Testing

/// A streamed turn lives in its response: a client that leaves takes the turn with it.
@Suite("A streamed turn whose client leaves", .enabled(if: TestDatabase.shouldRun))
struct StreamDisconnectTests {
    @Test("the turn waiting in the user's queue is dropped and stores nothing")
    func queuedStreamedTurnIsDropped() async throws {
        let configuration = try TestConfiguration.database()
        let services = try AppServices(configuration: configuration, logger: TestConfiguration.logger)
        let app = Application(
            router: buildRouter(services: services), server: httpServer(configuration: configuration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), services: services.lifecycleServices)
        let user = UUID()
        let userID = user.uuidString.lowercased()
        let locks = services.turns.locks

        try await locks.acquire(userID)  // a turn of this user is running
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let channel = try await LeavingClient.startTurn(
                port: port, token: API.userToken(user), text: "hello, are you there?", streamed: true)
            #expect(try await CancelOnDisconnectTests.waitFor { locks.waitingCount(userID) == 1 })

            try await channel.close()
            #expect(try await CancelOnDisconnectTests.waitFor { locks.waitingCount(userID) == 0 }, "the streamed turn stayed queued")
            locks.release(userID)
        }
        #expect(try await API.rowCounts(userID: userID) == .init())
    }
}

@Suite("A streamed turn meets a full user queue", .enabled(if: TestDatabase.shouldRun))
struct StreamQueueFullTests {
    @Test("the refusal is the JSON 429, before any stream")
    func fullQueueIs429() async throws {
        var configuration = try TestConfiguration.database()
        configuration.maxQueuedTurns = 1
        let services = try AppServices(configuration: configuration, logger: TestConfiguration.logger)
        let router = buildRouter(services: services)
        let user = UUID()
        let userID = user.uuidString.lowercased()
        let locks = services.turns.locks
        try await locks.acquire(userID)  // a turn runs…
        async let waiter: Void = locks.withLock(userID) {}  // …and one waits: the queue is full
        #expect(await eventually { locks.waitingCount(userID) == 1 })
        try await Application(router: router).test(.router) { client in
            for uri in ["/api/aei", "/persona/chat"] {
                try await client.execute(
                    uri: uri, method: .post, headers: SSE.headers(API.userToken(user)), body: API.body(#"{"text":"hi","message":"hi"}"#)
                ) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                }
            }
        }
        locks.release(userID)
        try await waiter
    }
}
