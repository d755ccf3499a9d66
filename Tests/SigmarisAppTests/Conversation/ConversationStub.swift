import Foundation
import SigmarisEngine
import SigmarisTestSupport

/// The OpenAI-compatible server the scripted conversation talks to: fixed replies and embeddings
/// chosen so that every similarity the engine computes can be worked out by hand.
///
/// Embedding space (10 dimensions, vectors need not be unit: cosine normalises):
/// - dims 0...5: one per safety anchor, in the spec's order (self_harm, violence, sexual, crime,
///   hate, harassment). An anchor sentence embeds as its unit vector `e_k`.
/// - dim 6: "garden" topic. dim 8: any other user text. dim 9: any other reply text.
///
/// User texts (everything that is not an anchor and not a stub reply):
/// - contains "garden" or 庭 → `e6`                         (cos with a garden reply = 3/5 = 0.6)
/// - contains "vaguely"      → `0.22·e6 + 0.9754999·e8`       (cos with a garden reply ≈ 0.132)
/// - contains "hopeless"     → `5·e0 + 12·e8`                 (cos with the self_harm anchor = 5/13)
/// - otherwise               → `e8`                           (orthogonal to every anchor and reply)
///
/// Stub replies (they start with `[stub]`; an episode's summary is the reply's first 120 characters):
/// - the garden reply → `3·e6 + 4·e9`; every other reply → `e9`.
///
/// So a garden question recalls exactly the garden episodes (cos 0.6 + recency ≥ 0.12) and nothing
/// else (cos 0 + recency ≤ 0.03 < 0.12), and only the "hopeless" message has a semantic safety score.
enum ConversationStub {
    static let dimension = 10

    static let gardenReply = "[stub] About your garden: tomatoes want full sun, deep watering and a stake each. Happy growing!"
    static let plainReply = "[stub] Noted. Tell me more whenever you like."

    /// The reply for a user message (the second chat message the provider sends).
    static func reply(to message: String) -> String {
        isGarden(message) ? gardenReply : plainReply
    }

    static func isGarden(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.contains("garden") || text.contains("庭")
    }

    static func vector(for text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        if let anchor = PersonaConstants.Safety.semanticAnchors.firstIndex(where: { $0.sentence == text }) {
            vector[anchor] = 1
            return vector
        }
        if text.hasPrefix("[stub]") {
            if text.hasPrefix(String(gardenReply.prefix(30))) {
                vector[6] = 3
                vector[9] = 4
            } else {
                vector[9] = 1
            }
            return vector
        }
        let lowered = text.lowercased()
        if isGarden(text) {
            vector[6] = 1
        } else if lowered.contains("vaguely") {
            vector[6] = 0.22
            vector[8] = 0.9754999
        } else if lowered.contains("hopeless") {
            vector[0] = 5
            vector[8] = 12
        } else {
            vector[8] = 1
        }
        return vector
    }

    /// `POST /chat/completions` and `POST /embeddings`, anything else 404.
    static let behavior: StubHTTPServer.Behavior = { request, _ in
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
        if request.uri.hasSuffix("/embeddings") {
            let inputs = body?["input"] as? [String] ?? []
            let data: [[String: Any]] = inputs.enumerated().map { index, text in
                ["object": "embedding", "index": index, "embedding": vector(for: text).map(Double.init)]
            }
            return json(["object": "list", "data": data, "model": "conversation-stub-embedding"])
        }
        if request.uri.hasSuffix("/chat/completions") {
            let messages = body?["messages"] as? [[String: Any]] ?? []
            let user = messages.last { ($0["role"] as? String) == "user" }?["content"] as? String ?? ""
            return json([
                "id": "chatcmpl-stub", "object": "chat.completion",
                "choices": [["index": 0, "message": ["role": "assistant", "content": reply(to: user)], "finish_reason": "stop"]],
            ])
        }
        return StubResponse(status: 404)
    }

    private static func json(_ object: [String: Any]) -> StubResponse {
        StubResponse.json(String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }
}
