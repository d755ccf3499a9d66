import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import SigmarisApp
import SigmarisTestSupport
import Testing

/// A client that never finishes its request head or body is disconnected after the read timeouts
/// (here 1 s); a normal request on the same server is answered.
@Suite("Slow clients are disconnected", .enabled(if: TestDatabase.shouldRun))
struct SlowClientTests {
    static func app() throws -> some ApplicationProtocol {
        var configuration = try TestConfiguration.database()
        configuration.port = 0
        configuration.headerReadTimeoutSeconds = 1
        configuration.bodyReadTimeoutSeconds = 1
        return try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
    }

    /// Sends `bytes` and reports whether the server closed the connection within `limit`.
    static func serverCloses(port: Int, after bytes: String, within limit: Duration = .seconds(15)) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: bytes)).get()
        let closeFuture = channel.closeFuture
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await closeFuture.get(); return true }
            group.addTask { try await Task.sleep(for: limit); return false }
            let closedByServer = try await group.next()!
            group.cancelAll()
            if !closedByServer { try? await channel.close() }
            return closedByServer
        }
    }

    @Test func anUnfinishedHeadOrBodyIsCutOff() async throws {
        try await Self.app().test(.live) { client in
            // First, while the test client's own keep-alive connection is fresh (it is idle afterwards).
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            let port = try #require(client.port)
            #expect(try await Self.serverCloses(port: port, after: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a"))
            #expect(try await Self.serverCloses(port: port, after: "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\""))
            // An idle connection: nothing sent at all.
            #expect(try await Self.serverCloses(port: port, after: ""))
        }
    }
}
