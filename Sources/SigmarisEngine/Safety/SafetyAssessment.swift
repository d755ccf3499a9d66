import SigmarisJSON

/// One category's risk in an assessment, kept in scan order.
public struct SafetyCategoryScore: Sendable, Equatable {
    public var category: String
    public var score: Double

    public init(category: String, score: Double) {
        self.category = category
        self.score = score
    }
}

/// The outcome of docs/engine.md §6, persisted to the audit table and summarised in `meta.safety`.
public struct SafetyAssessment: Sendable, Equatable {
    public var flag: SafetyFlag?
    public var riskScore: Double
    public var categories: [SafetyCategoryScore]
    /// Readable explanations: rule hits, semantic risk, modulation notes, the threshold applied.
    public var reasons: [String]
    /// Diagnostics (the partial scores), stored with the assessment.
    public var meta: JSONValue

    public init(flag: SafetyFlag?, riskScore: Double, categories: [SafetyCategoryScore], reasons: [String], meta: JSONValue) {
        self.flag = flag
        self.riskScore = riskScore
        self.categories = categories
        self.reasons = reasons
        self.meta = meta
    }

    /// `{category: score, ...}` in scan order.
    public var categoriesJSON: JSONValue {
        .object(JSONObject(categories.map { (key: $0.category, value: JSONValue.number($0.score)) }))
    }

    /// `meta.safety`: `{flag, risk_score, categories, reasons}`.
    public var json: JSONValue {
        [
            "flag": .string(orNull: flag?.rawValue),
            "risk_score": .number(riskScore),
            "categories": categoriesJSON,
            "reasons": .strings(reasons),
        ]
    }
}
