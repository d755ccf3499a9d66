import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SigmarisApp
import SigmarisEngine
import SigmarisPostgres
import SigmarisStore
import SigmarisTestSupport
import Testing

/// Issue 25: two instances (two applications built as `serve` builds them) on one database, and a
/// user's limits hold across both: the turns per minute, the user's turns in flight (the queue
/// bound), the turns in flight in all, with the same answers as in one process. Serialized, and the
/// only suite that counts limits in the shared test database (`TestConfiguration` turns it off).
@Suite("Limits across instances", .serialized, .enabled(if: TestDatabase.shouldRun))
struct LimitsAcrossInstancesTests {
    static func turn(_ client: some TestClientProtocol, _ user: UUID, expect status: HTTPResponse.Status) async throws -> TestResponse {
        try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
            #expect(response.status == status)
            return response
        }
    }

    static func liveLeases(of holders: [UUID]) async throws -> Int {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT count(*)::int AS n FROM public.sigmaris_work_leases WHERE holder = ANY ($1::uuid[])",
                [.text("{" + holders.map(\.uuidString).joined(separator: ",") + "}")]
            )[0].decode(Int.self, "n")
        }
    }

    @Test func aUsersTurnsPerMinuteHoldAcrossTwoInstances() async throws {
        var configuration = try TestConfiguration.database()
        configuration.sharedLimits = true
        configuration.turnRateLimitPerMinute = 3
        let (_, first) = try ServicesApp.make(configuration)
        let (_, second) = try ServicesApp.make(configuration)
        let user = UUID(), other = UUID()
        let userID = user.uuidString.lowercased()
        try await first.test(.router) { a in
            try await second.test(.router) { b in
                // Three turns, spread over both instances: each instance alone has room left.
                _ = try await Self.turn(a, user, expect: .ok)
                _ = try await Self.turn(b, user, expect: .ok)
                _ = try await Self.turn(a, user, expect: .ok)
                let before = try await API.rowCounts(userID: userID)
                // The fourth is refused on either, as one process refuses it.
                for response in [try await Self.turn(b, user, expect: .tooManyRequests), try await Self.turn(a, user, expect: .tooManyRequests)] {
                    #expect(try API.json(response)["reason"]?.stringValue == "rate_limited")
                    #expect((1...20).contains(Int(response.headers[.retryAfter] ?? "") ?? 0), "\(response.headers)")
                }
                // Also through the other route, by the service for this user.
                try await b.execute(
                    uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()),
                    body: API.body(#"{"user_id":"\#(userID)","message":"hi"}"#)
                ) { response in
                    #expect(response.status == .tooManyRequests)
                }
                #expect(try await API.rowCounts(userID: userID) == before)
                _ = try await Self.turn(b, other, expect: .ok)
            }
        }
    }

    /// One turn may be in flight in all (`SIGMARIS_MAX_TURNS_IN_FLIGHT=1`) and one per user (no
    /// queue). A streamed turn held open on the first instance fills both, and the second instance,
    /// whose own count is empty, refuses from the database's.
    @Test func turnsInFlightAndAUsersQueueHoldAcrossTwoInstances() async throws {
        let gate = TestSignal()
        try await StubHTTPServer.with(streaming: StreamingProviderTurnTests.stub(chat: StreamingProviderTurnTests.held(until: gate))) { provider in
            var configuration = try StreamingProviderTurnTests.configuration(provider: provider)
            configuration.sharedLimits = true
            configuration.maxTurnsInFlight = 1
            configuration.maxQueuedTurns = 0
            let (servicesA, first) = try ServicesApp.make(configuration)
            let (servicesB, second) = try ServicesApp.make(configuration)
            let holders = [servicesA.sharedLeases?.holder, servicesB.sharedLeases?.holder].compactMap { $0 }
            #expect(holders.count == 2)
            let holder = UUID(), other = UUID()

            try await first.test(.router) { a in
                try await second.test(.router) { b in
                    async let held = SSE.aei(a, user: holder, text: "are you there?")
                    #expect(await waitUntil { servicesA.turnAdmission.inFlight.inFlight == 1 }, "the streamed turn never started")
                    #expect(try await Self.liveLeases(of: holders) == 1)

                    // The same user on the other instance: its one turn is already in flight.
                    let queued = try await Self.turn(b, holder, expect: .tooManyRequests)
                    #expect(try API.json(queued)["reason"]?.stringValue == "too_many_queued_turns")
                    #expect(queued.headers[.retryAfter] == "1")
                    // Another user there: the one place of both instances is taken.
                    for headers in [API.bearer(API.userToken(other)), SSE.headers(API.userToken(other))] {
                        try await b.execute(uri: "/api/aei", method: .post, headers: headers, body: API.body(#"{"text":"hi"}"#)) { response in
                            #expect(response.status == .serviceUnavailable)
                            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                            #expect(response.headers[.retryAfter] == "1")
                            let reason = try API.json(response)["reason"]?.stringValue
                            #expect(reason == "busy")
                        }
                    }
                    // Refused from the database's count, and nothing kept of the refusals.
                    #expect(servicesB.turnAdmission.inFlight.inFlight == 0)

                    gate.raise()
                    let events = try await held
                    #expect(events.last?.name == "done", "\(events)")
                    // The stream's place comes back in its process only once its lease row is gone.
                    #expect(await waitUntil { servicesA.turnAdmission.inFlight.inFlight == 0 }, "the finished stream kept its place")
                    #expect(try await Self.liveLeases(of: holders) == 0)

                    let turn = try await SSE.aei(b, user: other, text: "now?")
                    #expect(turn.last?.name == "done", "\(turn)")
                    #expect(await waitUntil { servicesB.turnAdmission.inFlight.inFlight == 0 }, "the finished stream kept its place")
                    #expect(try await Self.liveLeases(of: holders) == 0)
                }
            }
            #expect(try await API.rowCounts(userID: other.uuidString.lowercased()) == .init(messages: 2, snapshots: 1, turns: 2, episodes: 1, personaState: 1))
        }
    }

    /// A process that dies holds its leases only until they expire, and the next sweep removes them;
    /// a process that stops gives its own back.
    @Test func leasesOfAProcessThatDiedExpireAndAStoppedOneGivesItsBack() async throws {
        try await TestDatabase.withMigratedClient(poolSize: 2) { database in
            let store = SigmarisStore(database: database)
            let dead = UUID(), alive = UUID()
            let user = "u_lease_\(UUID().uuidString.prefix(8).lowercased())"
            func take(_ holder: UUID) async throws -> WorkLeaseGrant {
                try await store.takeWorkLease(.export, userID: user, holder: holder, maxTotal: 0, maxPerUser: 1, timeToLive: .seconds(30))
            }
            guard case .granted(let id) = try await take(dead) else { Issue.record("no lease"); return }
            #expect(try await take(alive) == .userFull)
            // Renewing moves only the leases still held.
            try await store.renewWorkLeases(holder: dead, ids: [id], timeToLive: .seconds(30))
            #expect(try await take(alive) == .userFull)
            // It stopped renewing them (it died), and their time ran out.
            try await database.query("UPDATE public.sigmaris_work_leases SET expires_at = now() - interval '1 second' WHERE holder = $1", [.uuid(dead)])
            guard case .granted = try await take(alive) else { Issue.record("an expired lease still counted"); return }
            try await store.sweepSharedLimits()
            #expect(try await Self.liveLeases(of: [dead]) == 0)
            try await store.releaseWorkLeases(holder: alive)
            #expect(try await Self.liveLeases(of: [alive]) == 0)
        }
    }
}
