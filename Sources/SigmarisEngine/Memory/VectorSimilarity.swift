/// The two cosine similarities of the spec.
///
/// Both accumulate in `Double` so that `Float` embeddings give the same numbers the reference
/// computes with Python floats (to well within the 1e-6 conformance tolerance).
public enum VectorSimilarity {

    /// docs/engine.md §2.2: cosine similarity; 0 when the lengths differ, either vector is empty, or a norm is 0.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard !a.isEmpty, a.count == b.count else { return 0 }
        return cosine(a, b, count: a.count)
    }

    /// docs/engine.md §2.3: cosine over the first min(len) components (norms too); 0 when either is empty
    /// or a norm is 0.
    public static func prefixCosine(_ a: [Float], _ b: [Float]) -> Double {
        let count = min(a.count, b.count)
        guard count > 0 else { return 0 }
        return cosine(a, b, count: count)
    }

    private static func cosine(_ a: [Float], _ b: [Float], count: Int) -> Double {
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for index in 0..<count {
            let x = Double(a[index])
            let y = Double(b[index])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0 else { return 0 }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
