import SigmarisJSON

/// docs/engine.md §6: rule scan + semantic scan + state modulation → risk score and flag.
///
/// Pure: the caller supplies the message embedding and the anchor embeddings (see
/// `SafetyAnchorCache`); a nil vector just skips the semantic part.
public enum SafetyAssessor {

    /// - Parameters:
    ///   - message: the raw message; it is trimmed here.
    ///   - textVector: the embedding of the trimmed message, nil when unavailable.
    ///   - anchorVectors: category → anchor embedding; categories without one are skipped.
    ///   - memoryPointerCount: nil for "no memory" (how the turn calls it).
    public static func assess(
        message: String,
        value: ValueState,
        trait: TraitState,
        memoryPointerCount: Int? = nil,
        textVector: [Float]?,
        anchorVectors: [String: [Float]]
    ) -> SafetyAssessment {
        let rules = PersonaConstants.Safety.self
        let text = TextRules.strip(message)
        var reasons: [String] = []
        var categories: [SafetyCategoryScore] = []

        // 1) Rules.
        let ruleScan = RuleScan(text: text)
        categories = ruleScan.categories
        if !ruleScan.hits.isEmpty {
            reasons.append(rules.ruleHitsReason(pythonListLiteral(ruleScan.hits)))
        }

        // 2) Semantics: a category's score becomes the max of its rule score and the similarity.
        var semanticScore = 0.0
        if !text.isEmpty, let textVector {
            var maxSimilarity = 0.0
            for (category, _) in rules.semanticAnchors {
                guard let anchor = anchorVectors[category], !anchor.isEmpty else { continue }
                let similarity = VectorSimilarity.cosine(textVector, anchor)
                guard similarity >= rules.semanticMinimumSimilarity else { continue }
                if let index = categories.firstIndex(where: { $0.category == category }) {
                    categories[index].score = max(categories[index].score, similarity)
                } else {
                    categories.append(SafetyCategoryScore(category: category, score: similarity))
                }
                maxSimilarity = max(maxSimilarity, similarity)
            }
            semanticScore = min(rules.semanticScoreCap, maxSimilarity)
        }
        if semanticScore > 0 {
            reasons.append(rules.semanticRiskReason(TextRules.fixed(semanticScore, 2)))
        }

        // 3) Value / trait modulation.
        let modulation = stateModulation(value: value, trait: trait)
        if !modulation.notes.isEmpty {
            reasons.append(modulation.notes.joined(separator: rules.modulationNoteSeparator))
        }

        // 4) Memory modulation (light overload hint).
        var memoryDelta = 0.0
        if let count = memoryPointerCount, count > 0 {
            memoryDelta = min(rules.memoryRiskCap, rules.memoryWeightPerPointer * Double(count))
            reasons.append(rules.memoryNote(count, TextRules.fixed(memoryDelta, 3)))
        }

        // 5) Combine in the reference's order, then clamp.
        let baseRisk = max(ruleScan.score, semanticScore)
        let risk = DriftMath.clamp(baseRisk + modulation.delta + memoryDelta, 0, 1)

        // 6) Flag.
        let flag = flag(for: risk)
        reasons.append(thresholdReason(risk: risk, flag: flag))

        let meta: JSONValue = [
            "base_risk": .number(baseRisk),
            "rule_risk": .number(ruleScan.score),
            "semantic_risk": .number(semanticScore),
            "value_trait_delta": .number(modulation.delta),
            "memory_delta": .number(memoryDelta),
            "value_state": value.json,
            "trait_state": trait.json,
            "request_preview": .string(TextRules.prefix(text, PersonaConstants.Turn.safetyPreviewLength)),
            "pointer_count": .number(memoryPointerCount ?? 0),
        ]
        return SafetyAssessment(flag: flag, riskScore: risk, categories: categories, reasons: reasons, meta: meta)
    }

    public static func flag(for risk: Double) -> SafetyFlag? {
        let rules = PersonaConstants.Safety.self
        if risk >= rules.blockedThreshold { return .blocked }
        if risk >= rules.escalatedThreshold { return .escalated }
        if risk >= rules.intervenedThreshold { return .intervened }
        return nil
    }

    /// The state-based adjustment and its notes, accumulated in the reference's order.
    static func stateModulation(value: ValueState, trait: TraitState) -> (delta: Double, notes: [String]) {
        let rules = PersonaConstants.Safety.self
        var delta = 0.0
        var notes: [String] = []
        if trait.calm <= rules.lowCalmThreshold {
            delta += rules.lowCalmRisk
            notes.append(rules.lowCalmNote(TextRules.fixed(trait.calm, 2), TextRules.fixed(rules.lowCalmRisk, 2)))
        } else if trait.calm >= rules.highCalmThreshold {
            delta += rules.highCalmRisk
            notes.append(rules.highCalmNote(TextRules.fixed(trait.calm, 2), TextRules.fixed(rules.highCalmRisk, 2)))
        }
        if value.safetyBias >= rules.highSafetyBiasThreshold {
            delta += rules.highSafetyBiasRisk
            notes.append(rules.highSafetyBiasNote(TextRules.fixed(value.safetyBias, 2), TextRules.fixed(rules.highSafetyBiasRisk, 2)))
        }
        if value.stability <= rules.lowStabilityThreshold {
            delta += rules.lowStabilityRisk
            notes.append(rules.lowStabilityNote(TextRules.fixed(value.stability, 2), TextRules.fixed(rules.lowStabilityRisk, 2)))
        }
        return (delta, notes)
    }

    static func thresholdReason(risk: Double, flag: SafetyFlag?) -> String {
        let rules = PersonaConstants.Safety.self
        let score = TextRules.fixed(risk, 2)
        switch flag {
        case .blocked: return rules.blockedReason(score, TextRules.fixed(rules.blockedThreshold, 2))
        case .escalated: return rules.escalatedReason(score, TextRules.fixed(rules.escalatedThreshold, 2))
        case .intervened: return rules.intervenedReason(score, TextRules.fixed(rules.intervenedThreshold, 2))
        case nil: return rules.noFlagReason(score)
        }
    }

    /// `['a', 'b']`, as Python prints a list of strings in the reference's reasons.
    static func pythonListLiteral(_ items: [String]) -> String {
        "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]"
    }
}

/// The keyword part of docs/engine.md §6.
struct RuleScan {
    /// `category:keyword` for every hit, in scan order.
    private(set) var hits: [String] = []
    /// Hit categories with their category score (0.6), in scan order.
    private(set) var categories: [SafetyCategoryScore] = []
    /// Max over hit categories of 0.8 (strong categories) or 0.6.
    private(set) var score = 0.0

    init(text: String) {
        guard !text.isEmpty else { return }
        let rules = PersonaConstants.Safety.self
        let lowered = TextRules.lower(text)
        for (category, keywords) in rules.ruleKeywords {
            var categoryScore = 0.0
            for keyword in keywords where TextRules.contains(lowered, TextRules.lower(keyword)) {
                categoryScore = max(categoryScore, rules.categoryHitScore)
                hits.append("\(category):\(keyword)")
            }
            guard categoryScore > 0 else { continue }
            categories.append(SafetyCategoryScore(category: category, score: categoryScore))
            let weighted = rules.strongCategories.contains(category) ? categoryScore + rules.strongCategoryBonus : categoryScore
            score = max(score, weighted)
        }
        score = DriftMath.clamp(score, 0, 1)
    }
}
