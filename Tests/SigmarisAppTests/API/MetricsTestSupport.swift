import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SigmarisApp

/// One sample line of a Prometheus text exposition: `name{label="value",…} number`.
struct MetricSample: Equatable, CustomStringConvertible {
    var name: String
    var labels: [String: String]
    var value: Double

    func matches(_ name: String, _ matching: [String: String]) -> Bool {
        self.name == name && matching.allSatisfy { key, value in labels[key] == value }
    }

    var description: String { "\(name)\(labels.sorted { $0.key < $1.key }) \(value)" }

    /// Every sample of `text`; comment lines are skipped. Label values here never hold `"`, `,` or
    /// escapes (the metrics only use fixed words and route patterns), so a plain split suffices.
    static func parse(_ text: String) -> [MetricSample] {
        text.split(separator: "\n").compactMap { line -> MetricSample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                  let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                return MetricSample(name: String(series), labels: [:], value: value)
            }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return MetricSample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }
}

extension Array where Element == MetricSample {
    /// The sum over the samples of `name` whose labels include `matching`.
    func total(_ name: String, _ matching: [String: String] = [:]) -> Double {
        filter { $0.matches(name, matching) }.reduce(0) { $0 + $1.value }
    }

    func has(_ name: String, _ matching: [String: String] = [:]) -> Bool {
        contains { $0.matches(name, matching) }
    }
}

enum Metrics {
    /// `GET /metrics` through the test client; the samples, or nil when it did not answer 200.
    static func scrape(_ client: some TestClientProtocol, token: String? = nil) async throws -> (text: String, samples: [MetricSample]) {
        let headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
        return try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
            guard response.status == .ok else { throw ScrapeFailed(status: response.status.code) }
            let text = String(buffer: response.body)
            return (text, MetricSample.parse(text))
        }
    }

    struct ScrapeFailed: Error { var status: Int }
}
