import SigmarisJSON

/// The four value axes of docs/engine.md §4, each in [-1, 1].
///
/// The same shape carries a turn's `delta` (the unclipped sum of the changes).
public struct ValueState: Sendable, Equatable, Codable {
    public var stability: Double
    public var openness: Double
    public var safetyBias: Double
    public var userAlignment: Double

    public static let zero = ValueState()

    public init(stability: Double = 0, openness: Double = 0, safetyBias: Double = 0, userAlignment: Double = 0) {
        self.stability = stability
        self.openness = openness
        self.safetyBias = safetyBias
        self.userAlignment = userAlignment
    }

    enum CodingKeys: String, CodingKey {
        case stability, openness
        case safetyBias = "safety_bias"
        case userAlignment = "user_alignment"
    }

    /// Missing axes decode as 0 (a new user, or a row written before an axis existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stability = try container.decodeIfPresent(Double.self, forKey: .stability) ?? 0
        openness = try container.decodeIfPresent(Double.self, forKey: .openness) ?? 0
        safetyBias = try container.decodeIfPresent(Double.self, forKey: .safetyBias) ?? 0
        userAlignment = try container.decodeIfPresent(Double.self, forKey: .userAlignment) ?? 0
    }

    /// `{stability, openness, safety_bias, user_alignment}` in that order.
    public var json: JSONValue {
        [
            "stability": .number(stability),
            "openness": .number(openness),
            "safety_bias": .number(safetyBias),
            "user_alignment": .number(userAlignment),
        ]
    }

    /// Reads the `json` shape back; missing or non-numeric axes are 0.
    public init(json: JSONValue) {
        self.init(
            stability: json["stability"]?.doubleValue ?? 0,
            openness: json["openness"]?.doubleValue ?? 0,
            safetyBias: json["safety_bias"]?.doubleValue ?? 0,
            userAlignment: json["user_alignment"]?.doubleValue ?? 0
        )
    }

    /// Every axis clipped to [-limit, limit].
    func clipped(to limit: Double) -> ValueState {
        ValueState(
            stability: DriftMath.clip(stability, limit),
            openness: DriftMath.clip(openness, limit),
            safetyBias: DriftMath.clip(safetyBias, limit),
            userAlignment: DriftMath.clip(userAlignment, limit)
        )
    }
}

/// Small arithmetic shared by both drift engines.
enum DriftMath {
    static func clip(_ value: Double, _ limit: Double) -> Double {
        if value > limit { return limit }
        if value < -limit { return -limit }
        return value
    }

    static func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double {
        min(max(value, low), high)
    }
}
