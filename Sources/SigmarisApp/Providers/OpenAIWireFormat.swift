// The JSON bodies of the two OpenAI-compatible endpoints the persona provider calls. Only the
// fields Sigmaris sends or reads are modelled, so extra fields from other servers (Ollama,
// llama.cpp, vLLM) are ignored rather than rejected.

/// `POST {base}/chat/completions`.
struct ChatCompletionRequest: Encodable, Sendable {
    struct Message: Encodable, Sendable {
        var role: String
        var content: String
    }

    /// Asks for `usage` in the last chunk of a streamed answer.
    struct StreamOptions: Encodable, Sendable {
        var includeUsage: Bool

        enum CodingKeys: String, CodingKey {
            case includeUsage = "include_usage"
        }
    }

    var model: String
    var messages: [Message]
    /// Omitted when nil: the spec fixes no sampling parameters, so the server's default applies.
    var temperature: Double?
    /// `true` (with `streamOptions`) for a streamed answer; omitted otherwise.
    var stream: Bool?
    var streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stream
        case streamOptions = "stream_options"
    }
}

/// One `data:` event of a streamed chat completion: a piece of the reply, the `usage` (last
/// chunk, with `choices` empty), or an error object the server sends instead when it breaks off.
struct ChatCompletionChunk: Decodable, Sendable {
    struct Choice: Decodable, Sendable {
        var delta: Delta?
    }

    struct Delta: Decodable, Sendable {
        /// Absent or empty in the role-only first delta and the finishing one.
        var content: String?
    }

    var choices: [Choice]
    var usage: TokenUsage?
    /// The event is `{"error": ...}`, not a chunk.
    var isError: Bool

    /// The piece of the reply this chunk carries.
    var text: String? { choices.first?.delta?.content }

    enum CodingKeys: String, CodingKey { case choices, usage, error }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        isError = container.contains(.error)
        choices = isError ? [] : try container.decodeIfPresent([Choice].self, forKey: .choices) ?? []
        usage = try? container.decodeIfPresent(TokenUsage.self, forKey: .usage)
    }
}

struct ChatCompletionResponse: Decodable, Sendable {
    struct Choice: Decodable, Sendable {
        var message: Message
    }

    struct Message: Decodable, Sendable {
        /// Null when the model answered with something other than text (a refusal, tool calls).
        var content: String?
    }

    var choices: [Choice]
    var usage: TokenUsage?
}

/// `POST {base}/embeddings`.
struct EmbeddingRequest: Encodable, Sendable {
    var model: String
    var input: [String]
}

struct EmbeddingResponse: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var index: Int
        var embedding: [Float]
    }

    var data: [Item]
    var usage: TokenUsage?
}

/// `usage` of either answer, for metrics only: a server that sends it in some other shape (or not
/// at all) gets nil counts, never a failed call.
struct TokenUsage: Decodable, Sendable {
    var promptTokens: Int?
    var completionTokens: Int?

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }

    init(from decoder: any Decoder) {
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try? container?.decodeIfPresent(Int.self, forKey: .promptTokens)
        completionTokens = try? container?.decodeIfPresent(Int.self, forKey: .completionTokens)
    }
}

/// The error body OpenAI and most compatible servers send with a 4xx/5xx.
struct APIErrorBody: Decodable, Sendable {
    struct Detail: Decodable, Sendable {
        var message: String?
        var type: String?
        /// OpenAI sends a string, some servers a number; only a string is kept.
        var code: String?

        enum CodingKeys: String, CodingKey { case message, type, code }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            code = try? container.decodeIfPresent(String.self, forKey: .code)
        }
    }

    var error: Detail
}
