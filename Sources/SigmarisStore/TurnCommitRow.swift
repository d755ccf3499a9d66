import Foundation
import SigmarisEngine
import SigmarisJSON
import SigmarisPostgres

/// The values one turn's commit binds (`PersonaStateStore.commitTurnSQL`): one field per parameter.
/// `Parameter` lists them in binding order, the statement names them (`placeholder`), and
/// `parameters` encodes them in that order, so no position is numbered by hand.
struct TurnCommitRow: Sendable {
    var traceID: String
    var userID: String
    var sessionID: String
    /// The new state; written only if the row still has `previousTurnCount` and `controlVersion`.
    var state: PersonaState
    var previousTurnCount: Int
    var controlVersion: Int
    var episode: Episode
    /// Both turn rows (`role`, `content`, hints, importance); `content` null where a message holds it.
    var turnRows: JSONValue
    /// The assistant meta's `global_state`, whose `state` labels both turn rows.
    var turnGlobalState: JSONValue
    /// The audit record's meta: under `meta`, or `meta_own` (`TurnFactsInChatRows.auditMeta`).
    var auditMetaKey: String
    var auditMeta: JSONValue
    /// The safety meta (the audit record keeps it without `request_preview`).
    var safetyMeta: JSONValue
    /// The trace events, `[]` without tracing (`TurnFactsInChatRows.storedEvent`).
    var events: JSONValue
    /// nil where the state snapshot holds the value (`TurnFactsInChatRows`).
    var valueSnapshotState: JSONValue?
    var valueSnapshotDelta: JSONValue?
    var traitSnapshotState: JSONValue?
    var traitSnapshotDelta: JSONValue?
    var safetyFlag: SafetyFlag?
    var riskScore: Double
    var safetyCategories: JSONValue?
    var safetyReasons: JSONValue?
    /// Whether a flagged turn writes its `turn.safety_flagged` event to the webhook outbox.
    var webhooksEnabled: Bool

    init(
        _ turn: TurnResult, userID: String, previousTurnCount: Int, controlVersion: Int, tracing: Bool,
        factsInChatRows shared: TurnFactsInChatRows, webhooks: Bool
    ) {
        traceID = turn.traceID
        self.userID = userID
        sessionID = turn.sessionID
        state = turn.newState
        self.previousTurnCount = previousTurnCount
        self.controlVersion = controlVersion
        episode = turn.episode
        turnRows = .array(turn.turnRows.map { row in
            [
                "role": .string(row.role), "content": shared.texts ? .null : .string(row.content),
                "topic_hint": .string(orNull: row.topicHint), "emotion_hint": .string(orNull: row.emotionHint),
                "importance": .number(orNull: row.importance),
            ]
        })
        // The assistant row's meta holds everything the user row's has (the views rebuild it).
        let assistantMeta = turn.turnRows.last { $0.role == PersonaConstants.TurnRows.assistantRole }?.meta ?? .null
        turnGlobalState = assistantMeta["global_state"] ?? .null
        (auditMetaKey, auditMeta) = shared.auditMeta(assistantMeta)
        safetyMeta = turn.safety.meta
        events = .array(tracing ? turn.traceEvents.map { shared.storedEvent($0, turnMeta: turn.meta) } : [])
        // `Optional.none`, not `nil`: JSONValue is ExpressibleByNilLiteral, and a JSON null is not SQL null.
        valueSnapshotState = shared.valueSnapshot ? .none : turn.valueSnapshot.state
        valueSnapshotDelta = shared.valueSnapshot ? .none : turn.valueSnapshot.delta
        traitSnapshotState = shared.traitSnapshot ? .none : turn.traitSnapshot.state
        traitSnapshotDelta = shared.traitSnapshot ? .none : turn.traitSnapshot.delta
        safetyFlag = turn.safety.flag
        riskScore = turn.safety.riskScore
        safetyCategories = shared.safetyDetails ? .none : turn.safety.categoriesJSON
        safetyReasons = shared.safetyDetails ? .none : JSONValue.strings(turn.safety.reasons)
        webhooksEnabled = webhooks
    }

    /// The statement's parameters, in binding order.
    enum Parameter: CaseIterable {
        case traceID, userID, sessionID
        case valueState, traitState, globalState, turnCount, previousTurnCount, controlVersion
        case episodeID, episodeTimestamp, episodeSummary, episodeEmotionHint, episodeTraitsHint, episodeRawContext
        case episodeEmbedding, episodeMeta
        case turnRows, turnGlobalState
        case auditMetaKey, auditMeta, safetyMeta, events
        case valueSnapshotState, valueSnapshotDelta, traitSnapshotState, traitSnapshotDelta
        case safetyFlag, riskScore, safetyCategories, safetyReasons
        case webhooksEnabled

        /// `$n` for this parameter in the statement's text.
        var placeholder: String { "$\(Self.allCases.firstIndex(of: self)! + 1)" }
    }

    /// Every parameter's value, in `Parameter` order.
    var parameters: [PostgresValue] { Parameter.allCases.map(value) }

    func value(_ parameter: Parameter) -> PostgresValue {
        switch parameter {
        case .traceID: .text(traceID)
        case .userID: .text(userID)
        case .sessionID: .text(sessionID)
        case .valueState: .jsonb(state.value.json.serialized())
        case .traitState: .jsonb(state.trait.json.serialized())
        case .globalState: state.globalState.map { .text($0.rawValue) } ?? .null
        case .turnCount: .int(state.turnCount)
        case .previousTurnCount: .int(previousTurnCount)
        case .controlVersion: .int(controlVersion)
        case .episodeID: .text(episode.episodeID)
        case .episodeTimestamp: .timestamp(episode.timestamp)
        case .episodeSummary: .text(episode.summary)
        case .episodeEmotionHint: .text(episode.emotionHint)
        case .episodeTraitsHint: .jsonb(episode.traitsHint.serialized())
        case .episodeRawContext: .text(episode.rawContext)
        case .episodeEmbedding: episode.embedding.isEmpty ? .null : .bytea(EmbeddingBytes.encode(episode.embedding))
        case .episodeMeta: .jsonb(episode.meta.serialized())
        case .turnRows: .jsonb(turnRows.serialized())
        case .turnGlobalState: .jsonb(turnGlobalState.serialized())
        case .auditMetaKey: .text(auditMetaKey)
        case .auditMeta: .jsonb(auditMeta.serialized())
        case .safetyMeta: .jsonb(safetyMeta.serialized())
        case .events: .jsonb(events.serialized())
        case .valueSnapshotState: Self.jsonb(valueSnapshotState)
        case .valueSnapshotDelta: Self.jsonb(valueSnapshotDelta)
        case .traitSnapshotState: Self.jsonb(traitSnapshotState)
        case .traitSnapshotDelta: Self.jsonb(traitSnapshotDelta)
        case .safetyFlag: safetyFlag.map { .text($0.rawValue) } ?? .null
        case .riskScore: .double(riskScore)
        case .safetyCategories: Self.jsonb(safetyCategories)
        case .safetyReasons: Self.jsonb(safetyReasons)
        case .webhooksEnabled: .bool(webhooksEnabled)
        }
    }

    /// SQL null for nil; a JSON `null` value stays a jsonb `null`.
    private static func jsonb(_ value: JSONValue?) -> PostgresValue {
        value.map { .jsonb($0.serialized()) } ?? .null
    }
}
