import Testing

/// Numbers in these tests are computed by hand in comments; floating-point sums may differ from the
/// decimal value in the last bits, so comparisons allow a tiny tolerance (far below the spec's 1e-6).
func isClose(_ actual: Double?, _ expected: Double, tolerance: Double = 1e-12) -> Bool {
    guard let actual else { return false }
    return abs(actual - expected) <= tolerance
}

func expectClose(
    _ actual: Double?,
    _ expected: Double,
    tolerance: Double = 1e-12,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(isClose(actual, expected, tolerance: tolerance), "expected \(expected), got \(String(describing: actual))", sourceLocation: sourceLocation)
}
