import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SigmarisAuth
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport
import Synchronization
import Testing
@testable import SigmarisApp

/// Webhooks end to end: the events written with their causes, the delivery service sending them to
/// a real receiver (the stub server over HTTP), retries, a restart, the last attempt, two instances.
/// Each test on a database of its own: a delivery service takes every due event of its database.
@Suite("Webhooks", .enabled(if: TestDatabase.shouldRun))
struct WebhookDeliveryTests {
    /// The specification's test secret (a 24-byte key).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// Generous: a full parallel run on two cores is slow; it only keeps a broken test from hanging.
    static let patience: Duration = .seconds(30)

    static func configuration(database: String, receiver: String?, maxAttempts: Int = 5) throws -> SigmarisConfiguration {
        var configuration = try TestConfiguration.database()
        configuration.databaseURL = database
        configuration.databasePoolSize = 2
        if let receiver {
            configuration.webhookURL = URL(string: receiver + "/hooks")
            configuration.webhookSigner = try WebhookSigner(secret: secret)
        }
        var delivery = WebhookDeliverySettings()
        delivery.retry.maxAttempts = maxAttempts
        delivery.retry.baseBackoff = .milliseconds(100)
        delivery.retry.maxBackoff = .milliseconds(300)
        delivery.pollInterval = .milliseconds(50)
        delivery.attemptTimeout = .seconds(2)
        // An attempt cut short by a test's shutdown is due again this soon (the stub answers in milliseconds).
        delivery.claimLease = .seconds(3)
        configuration.webhookDelivery = delivery
        return configuration
    }

    static func app(_ configuration: SigmarisConfiguration) throws -> some ApplicationProtocol {
        try buildApplication(configuration: configuration, logger: TestConfiguration.logger)
    }

    struct OutboxRow {
        var id: String
        var type: String
        var status: String
        var attempts: Int
        var lastError: String?
        var payload: JSONValue
    }

    static func outbox(_ client: PostgresClient) async throws -> [OutboxRow] {
        try await client.query(
            "SELECT id, event_type, status, attempts, last_error, payload::text AS payload FROM sigmaris_webhook_outbox ORDER BY created_at, id"
        ).map { row in
            OutboxRow(
                id: try row.decode(String.self, "id"), type: try row.decode(String.self, "event_type"),
                status: try row.decode(String.self, "status"), attempts: try row.decode(Int.self, "attempts"),
                lastError: try row.decode(String?.self, "last_error"),
                payload: try JSONValue(parsing: Array(try row.decode(String.self, "payload").utf8)))
        }
    }

    /// Waits until the outbox satisfies `condition`; the rows then.
    static func outbox(_ client: PostgresClient, until condition: @escaping ([OutboxRow]) -> Bool) async throws -> [OutboxRow] {
        let deadline = ContinuousClock.now + patience
        while true {
            let rows = try await outbox(client)
            if condition(rows) || ContinuousClock.now > deadline { return rows }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The receiver's check of one request, as the specification has it: the three headers, and the
    /// signature recomputed over `id.timestamp.body` with the shared secret.
    static func expectSigned(_ request: StubRequest) throws {
        let id = try #require(request.header("webhook-id"))
        let timestamp = try #require(request.header("webhook-timestamp").flatMap(Int.init))
        let signature = try #require(request.header("webhook-signature"))
        #expect(id.hasPrefix("msg_"))
        #expect(abs(timestamp - Int(Date().timeIntervalSince1970)) < 120, "the attempt's time in unix seconds")
        let expected = try WebhookSigner(secret: secret).signature(id: id, timestamp: timestamp, body: request.body)
        #expect(signature == expected)
        #expect(request.method == "POST" && request.uri == "/hooks")
        #expect(request.header("content-type") == "application/json")
    }

    // MARK: Events and their bodies

    @Test func anOperatorActionAndAFlaggedTurnAreDeliveredSignedAndAnUnflaggedTurnIsNot() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            try await StubHTTPServer.with({ _, _ in StubResponse(status: 204) }) { receiver in
                let userID = "wh_user_\(UUID().uuidString.prefix(8))"
                try await Self.app(try Self.configuration(database: url, receiver: receiver.baseURL)).test(.router) { http in
                    _ = try await OperatorRouteTests.chat(http, userID, "Hello, how are you?")
                    let action = try await OperatorRouteTests.act(http, userID, "silence", reason: "ticket 42")
                    #expect(await waitUntil(limit: Self.patience) { receiver.requests.count >= 1 })
                    let flagged = try await OperatorRouteTests.chat(http, userID, "I will shoot")
                    #expect(await waitUntil(limit: Self.patience) { receiver.requests.count >= 2 })

                    let requests = receiver.requests
                    try #require(requests.count == 2, "one event per cause, none for the unflagged turn")
                    for request in requests { try Self.expectSigned(request) }

                    let operatorEvent = try JSONValue(parsing: requests[0].body)
                    #expect(operatorEvent["type"]?.stringValue == "operator.action")
                    #expect(operatorEvent["timestamp"]?.stringValue?.hasSuffix("Z") == true)
                    let data = try #require(operatorEvent["data"])
                    #expect(data["user_id"]?.stringValue == userID)
                    #expect(data["action"]?.stringValue == "silence")
                    #expect(data["reason"]?.stringValue == "ticket 42")
                    #expect(data["operator"]?.stringValue == "service")
                    #expect(data["action_id"] == action["action"]?["id"])
                    #expect(data["created_at"] == action["action"]?["created_at"])

                    let turnEvent = try JSONValue(parsing: requests[1].body)
                    #expect(turnEvent["type"]?.stringValue == "turn.safety_flagged")
                    let turn = try #require(turnEvent["data"])
                    #expect(turn["user_id"]?.stringValue == userID)
                    #expect(turn["trace_id"] == flagged["meta"]?["trace_id"])
                    #expect(turn["safety_flag"] == flagged["meta"]?["safety"]?["flag"])
                    #expect(turn["safety_flag"]?.stringValue != nil)
                    #expect(turn["risk_score"]?.doubleValue != nil)
                    #expect(turn["session_id"]?.stringValue != nil)
                    let stored = try await client.query(
                        "SELECT global_state FROM sigmaris_persona_state WHERE user_id = $1", [.text(userID)])[0]
                        .decode(String?.self, "global_state")
                    #expect(turn["global_state"]?.stringValue == stored)
                }
                let rows = try await Self.outbox(client)
                #expect(rows.map(\.type) == ["operator.action", "turn.safety_flagged"])
                #expect(rows.allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
                #expect(receiver.requests.compactMap { $0.header("webhook-id") } == rows.map(\.id))
            }
        }
    }

    @Test func withoutAWebhookURLNoEventIsWritten() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            let userID = "wh_off_\(UUID().uuidString.prefix(8))"
            try await Self.app(try Self.configuration(database: url, receiver: nil)).test(.router) { http in
                _ = try await OperatorRouteTests.chat(http, userID, "I will shoot")
                try await OperatorRouteTests.act(http, userID, "silence")
            }
            #expect(try await Self.outbox(client).isEmpty)
        }
    }

    // MARK: Retries

    @Test func aReceiverThatFailsThenRecoversGetsTheEventWithTheSameIDAndBody() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            try await StubHTTPServer.with({ _, index in StubResponse(status: index < 2 ? 500 : 200) }) { receiver in
                let userID = "wh_retry_\(UUID().uuidString.prefix(8))"
                try await Self.app(try Self.configuration(database: url, receiver: receiver.baseURL)).test(.router) { http in
                    _ = try await OperatorRouteTests.chat(http, userID)
                    try await OperatorRouteTests.act(http, userID, "reset")
                    let rows = try await Self.outbox(client) { $0.first?.status == "delivered" }
                    try #require(rows.count == 1)
                    #expect(rows[0].status == "delivered" && rows[0].attempts == 3)
                    #expect(rows[0].lastError == nil)
                    let requests = receiver.requests
                    #expect(requests.count == 3)
                    #expect(Set(requests.compactMap { $0.header("webhook-id") }) == [rows[0].id])
                    #expect(Set(requests.map(\.body)).count == 1, "every attempt sends the same bytes")
                    for request in requests { try Self.expectSigned(request) }
                    let samples = try await Metrics.scrape(http).samples
                    #expect(samples.total("sigmaris_webhook_deliveries_total", ["outcome": "retried"]) == 2)
                    #expect(samples.total("sigmaris_webhook_deliveries_total", ["outcome": "delivered"]) == 1)
                    #expect(samples.has("sigmaris_webhook_deliveries_total", ["outcome": "failed"]))
                }
            }
        }
    }

    @Test func aRestartBetweenTwoAttemptsStillDelivers() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            let receiverUp = Atomic<Bool>(false)
            try await StubHTTPServer.with({ _, _ in StubResponse(status: receiverUp.load(ordering: .relaxed) ? 200 : 503) }) { receiver in
                let configuration = try Self.configuration(database: url, receiver: receiver.baseURL)
                let userID = "wh_restart_\(UUID().uuidString.prefix(8))"
                try await Self.app(configuration).test(.router) { http in
                    _ = try await OperatorRouteTests.chat(http, userID)
                    try await OperatorRouteTests.act(http, userID, "silence")
                    let rows = try await Self.outbox(client) { ($0.first?.attempts ?? 0) >= 1 && $0.first?.lastError != nil }
                    #expect(rows.first?.lastError == "http_503")
                }
                // The first service stopped with the event pending; the receiver comes back; a new one starts.
                let before = try await Self.outbox(client)
                try #require(before.count == 1 && before[0].status == "pending")
                receiverUp.store(true, ordering: .relaxed)
                try await Self.app(configuration).test(.router) { _ in
                    let rows = try await Self.outbox(client) { $0.first?.status == "delivered" }
                    #expect(rows.first?.status == "delivered")
                    #expect((rows.first?.attempts ?? 0) > before[0].attempts)
                }
                let requests = receiver.requests
                #expect(requests.count >= 2)
                #expect(requests.compactMap { $0.header("webhook-id") } == Array(repeating: before[0].id, count: requests.count))
                let lastBody = try JSONValue(parsing: try #require(requests.last).body)
                #expect(lastBody["type"]?.stringValue == "operator.action")
            }
        }
    }

    @Test func afterTheLastAttemptTheEventIsFailedAndShownToOperators() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            // Nothing listens there: every attempt is refused at once.
            let closed = try ReservedPort()
            let userID = "wh_failed_\(UUID().uuidString.prefix(8))"
            let configuration = try Self.configuration(database: url, receiver: "http://127.0.0.1:\(closed.port)", maxAttempts: 2)
            try await Self.app(configuration).test(.router) { http in
                _ = try await OperatorRouteTests.chat(http, userID)
                try await OperatorRouteTests.act(http, userID, "silence")
                let rows = try await Self.outbox(client) { $0.first?.status == "failed" }
                try #require(rows.count == 1 && rows[0].status == "failed")
                #expect(rows[0].attempts == 2 && rows[0].lastError == "couldNotConnect")

                try await http.execute(uri: "/persona/webhooks", method: .get, headers: API.bearer(API.serviceToken())) { response in
                    #expect(response.status == .ok)
                    let answer = try API.json(response)
                    #expect(answer["status"]?.stringValue == "failed")
                    #expect(answer["counts"]?["failed"]?.intValue == 1)
                    #expect(answer["counts"]?["pending"]?.intValue == 0)
                    let delivery = try #require(answer["deliveries"]?[0])
                    #expect(delivery["id"]?.stringValue == rows[0].id)
                    #expect(delivery["event_type"]?.stringValue == "operator.action")
                    #expect(delivery["attempts"]?.intValue == 2)
                    #expect(delivery["last_error"]?.stringValue == "couldNotConnect")
                    #expect(delivery["finished_at"]?.stringValue != nil)
                }
                try await http.execute(uri: "/persona/webhooks?status=pending", method: .get, headers: API.bearer(API.serviceToken())) { response in
                    let answer = try API.json(response)
                    #expect(answer["deliveries"]?.arrayValue?.isEmpty == true)
                }
                for query in ["status=lost", "limit=0", "limit=x"] {
                    try await http.execute(uri: "/persona/webhooks?\(query)", method: .get, headers: API.bearer(API.serviceToken())) { response in
                        #expect(response.status == .badRequest, "\(query)")
                    }
                }
                try await http.execute(uri: "/persona/webhooks", method: .get, headers: API.bearer(API.userToken(UUID()))) { response in
                    #expect(response.status == .forbidden)
                }
                let samples = try await Metrics.scrape(http).samples
                #expect(samples.total("sigmaris_webhook_deliveries_total", ["outcome": "failed"]) == 1)
            }
        }
    }

    // MARK: Several instances

    @Test func twoInstancesOnOneDatabaseSendEachAttemptOnce() async throws {
        try await TestDatabase.withFreshDatabaseURL(prefix: "sigmaris_webhooks") { client, url in
            // Each event's first attempt fails, its second succeeds: two requests per event, whoever sends them.
            let seen = Mutex<Set<String>>([])
            try await StubHTTPServer.with({ request, _ in
                let id = request.header("webhook-id") ?? ""
                let first = seen.withLock { $0.insert(id).inserted }
                return StubResponse(status: first ? 500 : 200)
            }) { receiver in
                let configuration = try Self.configuration(database: url, receiver: receiver.baseURL)
                let userID = "wh_two_\(UUID().uuidString.prefix(8))"
                let events = 20
                try await Self.app(configuration).test(.router) { http in
                    try await Self.app(configuration).test(.router) { _ in
                        _ = try await OperatorRouteTests.chat(http, userID)
                        for index in 0..<events {
                            try await OperatorRouteTests.act(http, userID, index.isMultiple(of: 2) ? "silence" : "resume")
                        }
                        let rows = try await Self.outbox(client) { rows in rows.count == events && rows.allSatisfy { $0.status == "delivered" } }
                        #expect(rows.count == events)
                        #expect(rows.allSatisfy { $0.status == "delivered" && $0.attempts == 2 })
                    }
                }
                let perID = Dictionary(grouping: receiver.requests) { $0.header("webhook-id") ?? "" }.mapValues(\.count)
                #expect(perID.count == events)
                #expect(perID.values.allSatisfy { $0 == 2 }, "\(perID)")
            }
        }
    }
}
