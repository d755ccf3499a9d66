import SigmarisJSON

/// The three trait axes of docs/engine.md §5, each in [-1, 1].
///
/// The same shape carries a turn's `delta` (the unclipped sum of the changes).
public struct TraitState: Sendable, Equatable, Codable {
    public var calm: Double
    public var empathy: Double
    public var curiosity: Double

    public static let zero = TraitState()

    public init(calm: Double = 0, empathy: Double = 0, curiosity: Double = 0) {
        self.calm = calm
        self.empathy = empathy
        self.curiosity = curiosity
    }

    enum CodingKeys: String, CodingKey {
        case calm, empathy, curiosity
    }

    /// Missing axes decode as 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        calm = try container.decodeIfPresent(Double.self, forKey: .calm) ?? 0
        empathy = try container.decodeIfPresent(Double.self, forKey: .empathy) ?? 0
        curiosity = try container.decodeIfPresent(Double.self, forKey: .curiosity) ?? 0
    }

    /// `{calm, empathy, curiosity}` in that order.
    public var json: JSONValue {
        ["calm": .number(calm), "empathy": .number(empathy), "curiosity": .number(curiosity)]
    }

    /// Reads the `json` shape back; missing or non-numeric axes are 0.
    public init(json: JSONValue) {
        self.init(
            calm: json["calm"]?.doubleValue ?? 0,
            empathy: json["empathy"]?.doubleValue ?? 0,
            curiosity: json["curiosity"]?.doubleValue ?? 0
        )
    }

    func clipped(to limit: Double) -> TraitState {
        TraitState(
            calm: DriftMath.clip(calm, limit),
            empathy: DriftMath.clip(empathy, limit),
            curiosity: DriftMath.clip(curiosity, limit)
        )
    }
}
