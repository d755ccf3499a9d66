import Foundation
import HTTPTypes
import HummingbirdTesting
import SigmarisApp
import SigmarisEngine
import SigmarisTestSupport
import Testing

/// SIGMARIS_RATE_LIMIT_PER_MINUTE on both turn routes: a 429 with Retry-After that writes nothing.
@Suite("Turns per user per minute", .enabled(if: TestDatabase.shouldRun))
struct TurnLimitTests {
    @Test func theLimitCountsBothTurnRoutesOfOneUser() async throws {
        var configuration = try TestConfiguration.database()
        configuration.turnRateLimitPerMinute = 3
        let app = try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
        let user = UUID(), other = UUID()
        try await app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":"hi"}"#)) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/persona/chat", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"message":"hi"}"#)) { response in
                #expect(response.status == .ok)
            }
            let before = try await API.rowCounts(userID: user.uuidString.lowercased())
            // The fourth turn within the minute, on either route, and by the service for this user.
            let refusals: [(String, HTTPFields, String)] = [
                ("/api/aei", API.bearer(API.userToken(user)), #"{"text":"hi"}"#),
                ("/persona/chat", API.bearer(API.userToken(user)), #"{"message":"hi"}"#),
                ("/persona/chat", API.bearer(API.serviceToken()), #"{"user_id":"\#(user.uuidString.lowercased())","message":"hi"}"#),
            ]
            for (uri, headers, body) in refusals {
                try await client.execute(uri: uri, method: .post, headers: headers, body: API.body(body)) { response in
                    #expect(response.status == .tooManyRequests)
                    let answer = try API.json(response)
                    #expect(answer["reason"]?.stringValue == "rate_limited")
                    let retryAfter = Int(response.headers[.retryAfter] ?? "") ?? 0
                    #expect((1...20).contains(retryAfter))
                }
            }
            #expect(try await API.rowCounts(userID: user.uuidString.lowercased()) == before)
            // Bad input is refused for what it is, before the limit is looked at.
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(user)), body: API.body(#"{"text":""}"#)) { response in
                #expect(response.status == .badRequest)
            }
            // Another user is not affected.
            try await client.execute(uri: "/api/aei", method: .post, headers: API.bearer(API.userToken(other)), body: API.body(#"{"text":"hi"}"#)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func theDefaultIsOnAndZeroTurnsItOff() throws {
        #expect(SigmarisConfiguration().turnRateLimitPerMinute == 30)
        #expect(SigmarisConfiguration().maxQueuedTurns == 8)
        let off = try SigmarisConfiguration(environment: ["SIGMARIS_RATE_LIMIT_PER_MINUTE": "0", "SIGMARIS_MAX_QUEUED_TURNS": "2"])
        #expect(off.turnRateLimitPerMinute == 0)
        #expect(off.maxQueuedTurns == 2)
        #expect(throws: ConfigurationError.self) { try SigmarisConfiguration(environment: ["SIGMARIS_RATE_LIMIT_PER_MINUTE": "-1"]) }
        #expect(throws: ConfigurationError.self) { try SigmarisConfiguration(environment: ["SIGMARIS_MAX_QUEUED_TURNS": "many"]) }
    }
}
