import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
@testable import SigmarisApp
import Testing

/// A client that goes away while its turn waits in the user's queue takes the turn out of the queue
/// (the middleware cancels the handler, the lock's waiter leaves on cancellation), and a client that
/// stays keeps its keep-alive connection for the next turn, whatever the answer was.
@Suite("A disconnected client leaves the turn queue; a connected one keeps its connection")
struct CancelOnDisconnectTests {
    /// Polls `condition` for up to about ten seconds (a deadline for a hang, not a speed check).
    static func waitFor(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// The service's own HTTP server (with its `InboundCloseWatcher`) around `router`.
    static func app(_ router: Router<SigmarisRequestContext>) -> some ApplicationProtocol {
        Application(
            router: router, server: httpServer(configuration: SigmarisConfiguration()),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func aQueuedTurnWhoseClientLeavesIsDropped() async throws {
        let lock = UserTurnLock(maxQueuedPerUser: 4)
        let router = Router(context: SigmarisRequestContext.self)
        router.addMiddleware { CancelOnDisconnectMiddleware() }
        router.post("turn") { _, _ in try await lock.withLock("u") { "ran" } }

        try await lock.acquire("u")  // a turn of this user is running
        try await Self.app(router).test(.live) { client in
            let port = try #require(client.port)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(string: "POST /turn HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")).get()
            #expect(try await Self.waitFor { lock.waitingCount("u") == 1 })

            try await channel.close()
            #expect(try await Self.waitFor { lock.waitingCount("u") == 0 }, "the waiter stayed queued after its client left")
            // Inside the test, so a waiter that did stay queued can finish and the server can stop.
            lock.release("u")
        }
        #expect(try await Self.waitFor { lock.waitingCount("u") == nil })
    }

    /// Issue #22: every turn paid for a new connection, and a 503 closed it without `Connection: close`.
    @Test func turnsAndTheirErrorsKeepTheConnection() async throws {
        let router = Router(context: SigmarisRequestContext.self)
        router.addMiddleware {
            ErrorMiddleware()
            CancelOnDisconnectMiddleware()
        }
        router.post("turn") { _, _ in "ran" }
        router.post("busy") { _, _ -> String in
            throw APIError(.serviceUnavailable, "The database is unavailable", reason: "database_unavailable", headers: [.retryAfter: "1"])
        }
        try await Self.app(router).test(.live) { client in
            let port = try #require(client.port)
            try await RawHTTPConnection.with(port: port) { connection in
                for path in ["/busy", "/turn", "/busy", "/turn"] {
                    let response = try await connection.exchange("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                    #expect(response.status == (path == "/busy" ? 503 : 200), "\(path): \(response.head)")
                    #expect(!response.head.lowercased().contains("connection: close"), "\(path) closes the connection: \(response.head)")
                }
            }
        }
    }
}
