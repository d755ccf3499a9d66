import Foundation
import Logging
import SigmarisAuth
import SigmarisEngine
import SigmarisJSON
import SigmarisStore

/// One `/api/aei` exchange: a persona turn plus the `messages` and snapshot rows, all or nothing.
struct AEIExchange: Sendable {
    struct Outcome: Sendable {
        var reply: String
        var meta: JSONValue
        var model: String
    }

    enum Core: Sendable {
        /// The turn runs here; its rows and the chat rows share one transaction.
        case inProcess(TurnRunner)
        /// The turn runs remotely; the chat rows commit together once it answered.
        case remote(RemoteCoreClient)
    }

    let core: Core
    let store: SigmarisStore

    /// Refuses before a stream starts what the turn would refuse once it runs (a full user queue).
    func checkRoom(user: StoreUser) throws(APIError) {
        if case .inProcess(let turns) = core { try turns.locks.checkRoom(user.personaUserID) }
    }

    /// - Parameter replyDeltas: when set, the reply streams to it; the rows still commit (or not)
    ///   together, after the whole reply.
    func run(
        user: StoreUser, sessionID: String, text: String, logger: Logger, replyDeltas: ReplyDeltaListener? = nil
    ) async throws -> Outcome {
        let chat = ChatRecord(user: user, sessionID: sessionID, message: text)
        switch core {
        case .inProcess(let turns):
            let context = turns.newContext()
            var logger = logger
            logger[metadataKey: "sigmaris.trace_id"] = "\(context.traceID)"
            let result = try await turns.run(
                TurnRequest(userID: user.personaUserID, sessionID: sessionID, message: text),
                context: context, logger: logger, chat: chat, replyDeltas: replyDeltas)
            return Outcome(reply: result.reply, meta: result.meta, model: result.modelName)

        case .remote(let client):
            let answer = if let replyDeltas {
                try await client.streamChat(
                    userID: user.personaUserID, sessionID: sessionID, message: text, logger: logger, onDelta: replyDeltas)
            } else {
                try await client.chat(userID: user.personaUserID, sessionID: sessionID, message: text, logger: logger)
            }
            var logger = logger
            logger[metadataKey: "sigmaris.trace_id"] = "\(StateSnapshotFields(meta: answer.meta).traceID ?? "none")"
            try await store.rows(of: user).insert(chat, reply: answer.reply, meta: answer.meta)
            logger.debug("remote turn stored")
            return Outcome(reply: answer.reply, meta: answer.meta, model: answer.model)
        }
    }
}
