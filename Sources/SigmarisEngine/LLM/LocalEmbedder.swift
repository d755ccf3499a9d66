/// The local provider's deterministic text embedding: signed feature hashing into 256 dimensions.
///
/// Features: lowercased words for space-separated scripts (less English function words, see
/// `PersonaConstants.Local.englishStopwords`), and character bigrams + trigrams for runs of
/// Japanese/CJK characters (a lone character counts as a unigram), so similar texts in either
/// language share features. Hashing is FNV-1a over UTF-8 bytes, streamed scalar by scalar so
/// no intermediate strings are built. The result is L2-normalised; a text without features gives
/// the zero vector (cosine 0 with everything).
public enum LocalEmbedder {

    public static func embed(_ text: String, dimension: Int = PersonaConstants.Local.embeddingDimension) -> [Float] {
        var accumulator = FeatureAccumulator(dimension: dimension)
        var word: FNV1a64?
        var run = CharacterRun()
        func finish(_ word: FNV1a64) {
            if !stopwordHashes.contains(word.value) { accumulator.add(word.value) }
        }

        for scalar in text.unicodeScalars {
            switch ScriptClassifier.kind(of: scalar) {
            case .wordCharacter:
                run.finish(into: &accumulator)
                if word == nil {
                    var hasher = FNV1a64()
                    hasher.combine(PersonaConstants.Local.wordFeatureTag)
                    word = hasher
                }
                appendLowercased(scalar, to: &word!)
            case .unspacedScript:
                if let finished = word {
                    finish(finished)
                    word = nil
                }
                run.append(scalar, into: &accumulator)
            case .separator:
                if let finished = word {
                    finish(finished)
                    word = nil
                }
                run.finish(into: &accumulator)
            }
        }
        if let finished = word { finish(finished) }
        run.finish(into: &accumulator)
        return accumulator.normalized()
    }

    /// The word hashes of the stop words: words are hashed as they stream by, so they are compared
    /// by hash, never as strings.
    static let stopwordHashes: Set<UInt64> = Set(PersonaConstants.Local.englishStopwords.map { word in
        var hasher = FNV1a64()
        hasher.combine(PersonaConstants.Local.wordFeatureTag)
        for scalar in word.unicodeScalars { appendLowercased(scalar, to: &hasher) }
        return hasher.value
    })

    /// Lowercases one scalar into the hash; only scalars that change allocate a mapping string.
    private static func appendLowercased(_ scalar: Unicode.Scalar, to hasher: inout FNV1a64) {
        let value = scalar.value
        if value < 0x80 {
            hasher.combine(UInt8(value >= 0x41 && value <= 0x5A ? value + 0x20 : value))
        } else if scalar.properties.changesWhenLowercased {
            for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
                hasher.combine(lowered)
            }
        } else {
            hasher.combine(scalar)
        }
    }
}

/// The signed hashed feature vector being built.
struct FeatureAccumulator {
    private var values: [Float]

    init(dimension: Int) {
        values = [Float](repeating: 0, count: max(1, dimension))
    }

    /// Low bits pick the slot, the top bit the sign (independent bits of the same hash).
    mutating func add(_ hash: UInt64) {
        let index = Int(hash % UInt64(values.count))
        values[index] += (hash >> 63) == 0 ? 1 : -1
    }

    func normalized() -> [Float] {
        var sumOfSquares: Float = 0
        for value in values { sumOfSquares += value * value }
        guard sumOfSquares > 0 else { return values }
        let scale = 1 / sumOfSquares.squareRoot()
        return values.map { $0 * scale }
    }
}

/// A run of consecutive unspaced-script characters, remembering the last two for n-grams.
struct CharacterRun {
    private var previous: Unicode.Scalar?
    private var beforePrevious: Unicode.Scalar?
    private var length = 0

    mutating func append(_ scalar: Unicode.Scalar, into accumulator: inout FeatureAccumulator) {
        length += 1
        if let previous {
            accumulator.add(Self.hash(PersonaConstants.Local.bigramFeatureTag, previous, scalar))
            if let beforePrevious {
                accumulator.add(Self.hash(PersonaConstants.Local.trigramFeatureTag, beforePrevious, previous, scalar))
            }
        }
        beforePrevious = previous
        previous = scalar
    }

    /// Ends the run; a single character becomes a unigram so one-kanji words still count.
    mutating func finish(into accumulator: inout FeatureAccumulator) {
        if length == 1, let previous {
            accumulator.add(Self.hash(PersonaConstants.Local.unigramFeatureTag, previous))
        }
        previous = nil
        beforePrevious = nil
        length = 0
    }

    /// Hash of a tagged 1-, 2- or 3-gram (no variadic array: this runs once per character).
    private static func hash(_ tag: UInt8, _ first: Unicode.Scalar, _ second: Unicode.Scalar? = nil, _ third: Unicode.Scalar? = nil) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(tag)
        hasher.combine(first)
        if let second { hasher.combine(second) }
        if let third { hasher.combine(third) }
        return hasher.value
    }
}
