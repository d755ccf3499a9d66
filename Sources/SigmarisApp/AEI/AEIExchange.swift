import Foundation
import Logging
import SigmarisAuth
import SigmarisEngine
import SigmarisPostgres
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
    let database: PostgresClient

    func run(user: UserIdentity, sessionID: String, text: String, logger: Logger) async throws -> Outcome {
        let userID = user.id
        let claims = user.claimsJSON
        switch core {
        case .inProcess(let turns):
            let context = turns.newContext()
            var logger = logger
            logger[metadataKey: "sigmaris.trace_id"] = "\(context.traceID)"
            let result = try await turns.run(
                TurnRequest(userID: userID.uuidString.lowercased(), sessionID: sessionID, message: text),
                context: context, logger: logger
            ) { connection, result in
                try UserScope.enter(claimsJSON: claims, on: connection)
                try ChatStore.insertExchange(
                    userID: userID, sessionID: sessionID, message: text, reply: result.reply,
                    snapshot: StateSnapshotFields(meta: result.meta), on: connection)
            }
            return Outcome(reply: result.reply, meta: result.meta, model: result.modelName)

        case .remote(let client):
            let answer = try await client.chat(userID: userID.uuidString.lowercased(), sessionID: sessionID, message: text, logger: logger)
            let snapshot = StateSnapshotFields(meta: answer.meta)
            var logger = logger
            logger[metadataKey: "sigmaris.trace_id"] = "\(snapshot.traceID ?? "none")"
            try await database.withTransaction { connection in
                try UserScope.enter(claimsJSON: claims, on: connection)
                try ChatStore.insertExchange(
                    userID: userID, sessionID: sessionID, message: text, reply: answer.reply,
                    snapshot: snapshot, on: connection)
            }
            logger.debug("remote turn stored")
            return Outcome(reply: answer.reply, meta: answer.meta, model: answer.model)
        }
    }
}
