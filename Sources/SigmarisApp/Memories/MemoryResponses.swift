import Hummingbird
import SigmarisStore

/// `GET /api/memories`: `{"memories":[{id, summary, rawContext, sessionId, createdAt, score?}]}`.
struct MemoryListResponse: ResponseEncodable, Sendable {
    struct Item: Encodable, Sendable {
        var memory: StoredMemory

        enum CodingKeys: String, CodingKey { case id, summary, rawContext, sessionId, createdAt, score }

        /// `sessionId` is always there (null when unknown); `score` only in a search's answer.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(memory.id, forKey: .id)
            try container.encode(memory.summary, forKey: .summary)
            try container.encode(memory.rawContext, forKey: .rawContext)
            try container.encode(memory.sessionID, forKey: .sessionId)
            try container.encode(memory.createdAt, forKey: .createdAt)
            if let score = memory.score { try container.encode(score, forKey: .score) }
        }
    }

    var memories: [Item]

    init(_ memories: [StoredMemory]) {
        self.memories = memories.map(Item.init)
    }
}
