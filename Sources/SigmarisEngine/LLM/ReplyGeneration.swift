/// Receives a streamed reply piece by piece; throwing stops the turn (`.abandoned`).
public typealias ReplyDeltaListener = @Sendable (String) async throws -> Void

/// §8's reply: the provider's answer, or the fallback sentence, or a failed turn — one set of rules
/// whether the reply is streamed to a listener or not.
///
/// A failure is a provider error or an answer that is empty after trimming. A cancelled task, or a
/// listener that threw, abandons the turn (nobody would read a fallback). Otherwise the failure is
/// `.providerFailed` when provider errors are raised (`.providerRefused` for a call the service
/// refused to send, `ProviderRefusal`), else the fallback sentence.
///
/// With a listener, the pieces concatenate to the reply; what streaming cannot do is take back text
/// already delivered, so:
/// - leading whitespace is held back until real text follows: an empty (whitespace) completion is
///   still a failure, and nothing of it reached the listener;
/// - a failure before the first piece behaves as without streaming, the fallback sentence then being
///   the one piece;
/// - a failure after the first piece is always `.providerFailed`: the partial reply stands, no
///   fallback can follow it, and the caller stores nothing.
struct ReplyGeneration {
    let listener: ReplyDeltaListener?
    let raiseProviderErrors: Bool

    /// The listener's own failure, told apart from the provider's whatever the provider wraps.
    private struct ListenerGone: Error {}

    /// What reached the listener so far, and what is held back.
    private struct Delivery {
        var delivered = ""
        var heldBack = ""
        var listenerFailed = false
    }

    /// - Returns: the reply and, when the fallback was used, the redacted failure.
    func run(_ request: ReplyRequest, provider: any PersonaProvider) async throws(PersonaEngineError) -> (reply: String, error: String?) {
        var delivery = Delivery()
        do {
            let text: String
            if let listener {
                _ = try await provider.streamReply(to: request) { piece in
                    try await Self.deliver(piece, to: listener, into: &delivery)
                }
                text = delivery.delivered
            } else {
                text = try await provider.reply(to: request)
            }
            // An empty completion is no answer; treat it like a failure (the reference does too).
            guard !TextRules.strip(text).isEmpty else { throw EmptyReplyError() }
            return (text, nil)
        } catch {
            if delivery.listenerFailed || Task.isCancelled { throw .abandoned }
            let description = ProviderErrorRedaction.describe(error)
            // A refused call sent nothing, so nothing was delivered either: raised, it says when
            // to come back.
            if raiseProviderErrors, delivery.delivered.isEmpty, let refusal = (error as? any ProviderRefusalReporting)?.refusal {
                throw .providerRefused(refusal)
            }
            if raiseProviderErrors || !delivery.delivered.isEmpty { throw .providerFailed(description) }
            if let listener {
                do {
                    try await listener(PersonaConstants.Turn.providerFallbackReply)
                } catch {
                    throw .abandoned
                }
            }
            return (PersonaConstants.Turn.providerFallbackReply, description)
        }
    }

    private static func deliver(_ piece: String, to listener: ReplyDeltaListener, into delivery: inout Delivery) async throws {
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

/// A provider returned only whitespace.
struct EmptyReplyError: Error, CustomStringConvertible {
    var description: String { "empty completion content" }
}
