import Foundation

extension TextRules {
    /// `value` with `digits` decimals, as Python's `f"{value:.2f}"` prints the numbers in reasons
    /// (both round the exact binary value half-to-even, so the texts agree).
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
