/// Receives a streamed reply piece by piece; throwing stops the turn (`.abandoned`).
public typealias ReplyDeltaListener = @Sendable (String) async throws -> Void

/// §8 for a streamed turn: the same reply, fallback and failures as `provider.reply(to:)`, delivered
/// to a listener as it is produced, so that the concatenated pieces always equal the stored reply.
///
/// What streaming cannot do is take back text already delivered, so:
/// - leading whitespace is held back until real text follows: an empty (whitespace) completion is
///   still a failure, and nothing of it reached the listener;
/// - a failure before the first piece behaves as without streaming: the fallback sentence, sent as
///   one piece, or `.providerFailed` when provider errors are raised;
/// - a failure after the first piece is always `.providerFailed`: the partial reply stands, no
///   fallback can follow it, and the caller stores nothing.
struct ReplyStream {
    let listener: ReplyDeltaListener
    let raiseProviderErrors: Bool

    /// The listener's own failure, told apart from the provider's whatever the provider wraps.
    private struct ListenerGone: Error {}

    /// What reached the listener so far, and what is held back.
    private struct Delivery {
        var delivered = ""
        var heldBack = ""
        var listenerFailed = false
    }

    func run(_ request: ReplyRequest, provider: any PersonaProvider) async throws(PersonaEngineError) -> (reply: String, error: String?) {
        var delivery = Delivery()
        do {
            _ = try await provider.streamReply(to: request) { piece in
                try await deliver(piece, into: &delivery)
            }
            // An empty completion is no answer; treat it like a failure (the reference does too).
            guard !delivery.delivered.isEmpty else { throw EmptyReplyError() }
            return (delivery.delivered, nil)
        } catch {
            if delivery.listenerFailed || Task.isCancelled { throw .abandoned }
            let description = ProviderErrorRedaction.describe(error)
            if raiseProviderErrors || !delivery.delivered.isEmpty { throw .providerFailed(description) }
            do {
                try await listener(PersonaConstants.Turn.providerFallbackReply)
            } catch {
                throw .abandoned
            }
            return (PersonaConstants.Turn.providerFallbackReply, description)
        }
    }

    private func deliver(_ piece: String, into delivery: inout Delivery) async throws {
        guard !delivery.listenerFailed else { throw ListenerGone() }
        if delivery.delivered.isEmpty, TextRules.strip(delivery.heldBack + piece).isEmpty {
            delivery.heldBack += piece
            return
        }
        let text = delivery.heldBack + piece
        guard !text.isEmpty else { return }
        do {
            try await listener(text)
        } catch {
            delivery.listenerFailed = true
            throw ListenerGone()
        }
        delivery.heldBack = ""
        delivery.delivered += text
    }
}
