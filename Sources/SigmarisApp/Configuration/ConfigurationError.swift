/// A variable with a value the service cannot use. Start-up stops with this message; it names the
/// variable and what was expected, never the value (it may be a secret).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let variable: String
    public let expected: String

    public init(variable: String, expected: String) {
        self.variable = variable
        self.expected = expected
    }

    public var description: String { "invalid configuration: \(variable) must be \(expected)" }
}
