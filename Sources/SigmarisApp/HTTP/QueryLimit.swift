/// A route's `?limit=`: absent gives the route's default; anything but a whole number in the
/// route's range is a 400 `invalid_limit`, never clamped (a client asking for more than a route
/// gives should learn that it gets at most so many).
enum QueryLimit {
    static func parse(_ text: String?, default fallback: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest(
                "limit must be a whole number from \(range.lowerBound) to \(range.upperBound)", reason: "invalid_limit")
        }
        return value
    }
}
