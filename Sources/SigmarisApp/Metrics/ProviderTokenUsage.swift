/// What a provider is asked to do, as metrics name it.
public enum ProviderOperation: String, Sendable {
    case reply
    case embed
}

/// The token counts an OpenAI-compatible server reports in a response's `usage`
/// (`prompt_tokens`, `completion_tokens`); nil where the server left a count out.
public struct ProviderTokenUsage: Sendable, Equatable {
    public var operation: ProviderOperation
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(operation: ProviderOperation, promptTokens: Int?, completionTokens: Int?) {
        self.operation = operation
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
