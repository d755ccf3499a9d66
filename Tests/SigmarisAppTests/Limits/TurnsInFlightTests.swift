import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// SIGMARIS_MAX_TURNS_IN_FLIGHT: past it a turn on either route, streamed or not, is a 503 `busy`
/// with Retry-After, decided before anything runs; a streamed turn keeps its place until its stream
/// ends. The held turn waits on a real provider (a streaming stub over a socket) that answers only
/// when the test says so: the test orders events, it never measures time.
@Suite("Turns in flight", .enabled(if: TestDatabase.shouldRun))
struct TurnsInFlightTests {
    @Test func pastTheCapEveryTurnRouteIs503BusyUntilTheStreamedTurnEnds() async throws {
        let gate = TestSignal()
        try await StubHTTPServer.with(streaming: StreamingProviderTurnTests.stub(chat: StreamingProviderTurnTests.held(until: gate))) { provider in
            var configuration = try StreamingProviderTurnTests.configuration(provider: provider)
            configuration.maxTurnsInFlight = 1
            // One turn a minute: a turn refused as busy must not have spent it.
            configuration.turnRateLimitPerMinute = 1
            let (services, app) = try ServicesApp.make(configuration)
            let inFlight = services.turnAdmission.inFlight
            let check = DocumentConformance(document: try OpenAPIDocument.load())
            let holder = UUID(), other = UUID()
            let otherID = other.uuidString.lowercased()

            try await app.test(.router) { client in
                async let held = SSE.aei(client, user: holder, text: "are you there?")
                #expect(await waitUntil { inFlight.inFlight == 1 }, "the streamed turn never started")

                let refusals: [DocumentedExchange] = [
                    .init(.post, "/api/aei", headers: API.bearer(API.userToken(other)), body: #"{"text":"hi"}"#, expect: .serviceUnavailable),
                    .init(.post, "/api/aei", headers: SSE.headers(API.userToken(other)), body: #"{"text":"hi"}"#, expect: .serviceUnavailable),
                    .init(.post, "/persona/chat", headers: API.bearer(API.userToken(other)), body: #"{"message":"hi"}"#, expect: .serviceUnavailable),
                    .init(.post, "/persona/chat", headers: SSE.headers(API.userToken(other)), body: #"{"message":"hi"}"#, expect: .serviceUnavailable),
                    .init(.post, "/persona/chat", headers: API.bearer(API.serviceToken()), body: #"{"user_id":"someone","message":"hi"}"#, expect: .serviceUnavailable),
                ]
                for exchange in refusals {
                    let response = try await check.send(client, exchange)
                    // JSON even when a stream was asked for: the refusal comes before any stream.
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(try API.json(response)["reason"]?.stringValue == "busy")
                }

                #expect(try await Metrics.scrape(client).samples.total(SigmarisMetrics.Name.turnsInFlight) == 1)

                gate.raise()
                let events = try await held
                #expect(events.last?.name == "done", "\(events)")
                #expect(await waitUntil { inFlight.inFlight == 0 }, "the finished stream kept its place")

                // The busy refusals cost the other user nothing: their one turn a minute is still there.
                let turn = try await SSE.aei(client, user: other, text: "now?")
                #expect(turn.last?.name == "done", "\(turn)")
                #expect(try await Metrics.scrape(client).samples.total(SigmarisMetrics.Name.turnsInFlight) == 0)
            }
            #expect(inFlight.inFlight == 0)
            // Only the one admitted turn of `other` left rows.
            #expect(try await API.rowCounts(userID: otherID) == .init(messages: 2, snapshots: 1, turns: 2, episodes: 1, personaState: 1))
        }
    }

    /// A JSON turn gives its place back when it returns, and a refused one (bad input, the user's
    /// rate) never keeps one.
    @Test func jsonAndRefusedTurnsGiveTheirPlaceBack() async throws {
        var configuration = try TestConfiguration.database()
        configuration.maxTurnsInFlight = 1
        configuration.turnRateLimitPerMinute = 1
        let (services, app) = try ServicesApp.make(configuration)
        let inFlight = services.turnAdmission.inFlight
        let user = UUID()
        try await app.test(.router) { client in
            for expected: HTTPResponse.Status in [.ok, .tooManyRequests] {
                try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                    #expect(response.status == expected)
                }
                #expect(inFlight.inFlight == 0)
            }
            try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.serviceToken()), body: API.body(#"{"user_id":"x"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            // With the place free, another user's turn runs.
            try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.userToken(UUID())), body: API.body(#"{"message":"hi"}"#)) { response in
                #expect(response.status == .ok)
            }
            #expect(inFlight.inFlight == 0)
        }
    }

    @Test func theDefaultsAndTheirVariables() throws {
        #expect(SigmarisConfiguration().maxTurnsInFlight == 256)
        #expect(SigmarisConfiguration().maxConcurrentExports == 4)
        let set = try SigmarisConfiguration(environment: ["SIGMARIS_MAX_TURNS_IN_FLIGHT": "0", "SIGMARIS_MAX_CONCURRENT_EXPORTS": "2"])
        #expect(set.maxTurnsInFlight == 0)
        #expect(set.maxConcurrentExports == 2)
        #expect(throws: ConfigurationError.self) { try SigmarisConfiguration(environment: ["SIGMARIS_MAX_TURNS_IN_FLIGHT": "-1"]) }
        #expect(throws: ConfigurationError.self) { try SigmarisConfiguration(environment: ["SIGMARIS_MAX_CONCURRENT_EXPORTS": "many"]) }
    }
}
