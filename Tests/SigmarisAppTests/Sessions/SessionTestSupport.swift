import Foundation
import HTTPTypes
import HummingbirdTesting
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres
import SigmarisTestSupport

/// Requests and row look-ups for the session, message and account routes.
enum Sessions {
    struct Answer {
        var status: HTTPResponse.Status
        var json: JSONValue
        var headers: HTTPFields
        var text: String
    }

    static func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, user: UUID, body: String? = nil
    ) async throws -> Answer {
        try await client.execute(
            uri: uri, method: method, headers: API.bearer(API.userToken(user)), body: body.map(API.body)
        ) { response in
            let text = String(buffer: response.body)
            return Answer(
                status: response.status, json: (try? JSONValue(parsing: text)) ?? .null, headers: response.headers, text: text)
        }
    }

    static func turn(_ client: some TestClientProtocol, user: UUID, session: String, text: String) async throws -> JSONValue {
        try await AEITests.post(client, user: user, text: text, session: session)
    }

    /// Every row the service holds for a user, per table, counted as the table owner (no RLS).
    static func rowsPerTable(_ user: UUID) async throws -> [String: Int] {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            let rows = try await client.query(
                """
                SELECT (SELECT count(*) FROM messages WHERE user_id = $1)::int AS messages,
                       (SELECT count(*) FROM sigmaris_state_snapshots WHERE user_id = $1)::int AS sigmaris_state_snapshots,
                       (SELECT count(*) FROM sigmaris_persona_state WHERE user_id = $2)::int AS sigmaris_persona_state,
                       (SELECT count(*) FROM sigmaris_episodes WHERE user_id = $2)::int AS sigmaris_episodes,
                       (SELECT count(*) FROM sigmaris_turns WHERE user_id = $2)::int AS sigmaris_turns,
                       (SELECT count(*) FROM sigmaris_value_snapshots WHERE user_id = $2)::int AS sigmaris_value_snapshots,
                       (SELECT count(*) FROM sigmaris_trait_snapshots WHERE user_id = $2)::int AS sigmaris_trait_snapshots,
                       (SELECT count(*) FROM sigmaris_safety_assessments WHERE user_id = $2)::int AS sigmaris_safety_assessments,
                       (SELECT count(*) FROM sigmaris_turn_audit WHERE user_id = $2)::int AS sigmaris_turn_audit,
                       (SELECT count(*) FROM sigmaris_trace_events WHERE trace_id IN
                            (SELECT trace_id FROM sigmaris_turns WHERE user_id = $2))::int AS sigmaris_trace_events,
                       (SELECT count(*) FROM sigmaris_policy_streaks WHERE user_id = $2)::int AS sigmaris_policy_streaks,
                       (SELECT count(*) FROM sigmaris_review_flags WHERE user_id = $2)::int AS sigmaris_review_flags,
                       (SELECT count(*) FROM sigmaris_policy_triggers WHERE user_id = $2)::int AS sigmaris_policy_triggers
                """, [.uuid(user), .text(user.uuidString.lowercased())])
            var counts = [String: Int]()
            for column in rows.columns { counts[column] = try rows[0].decode(Int.self, column) }
            return counts
        }
    }

    /// `(session_id, session_title, role, content)` of every message row of the user, in id order.
    static func messageRows(_ user: UUID) async throws -> [[String?]] {
        try await TestDatabase.withMigratedClient(poolSize: 1) { client in
            try await client.query(
                "SELECT session_id, session_title, role, content FROM messages WHERE user_id = $1 ORDER BY id", [.uuid(user)]
            ).map { row in
                [try row.decode(String?.self, "session_id"), try row.decode(String?.self, "session_title"),
                 try row.decode(String?.self, "role"), try row.decode(String?.self, "content")]
            }
        }
    }
}
