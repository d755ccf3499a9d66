import Logging

/// The one log line of an outbound transfer, buffered or streamed.
///
/// Only method, redacted URL, status, duration and attempt are logged: never header values,
/// bodies or query strings.
enum OutboundHTTPLog {
    /// - Parameters:
    ///   - attempt: the attempt number of a buffered send; nil for a stream its caller reads.
    ///   - outcome: the status of a response, or why there was none.
    static func record(
        _ method: HTTPMethod,
        url: ParsedURL?,
        attempt: Int?,
        outcome: Result<Int, OutboundHTTPError>,
        duration: Duration,
        logger: Logger
    ) {
        var metadata: Logger.Metadata = [
            "http.method": "\(method.rawValue)",
            "http.url": "\(url?.redacted ?? "<unparseable>")",
            "http.duration_ms": "\(Int((duration / .milliseconds(1)).rounded()))",
        ]
        if let attempt {
            metadata["http.attempt"] = "\(attempt)"
        } else {
            metadata["http.streamed"] = "true"
        }
        switch outcome {
        case .success(let status):
            metadata["http.status"] = "\(status)"
            logger.debug("outbound HTTP request completed", metadata: metadata)
        case .failure(let error) where error.code == .cancelled:
            // The caller went away (its client left): nothing failed.
            logger.debug("outbound HTTP request cancelled", metadata: metadata)
        case .failure(let error):
            metadata["http.error"] = "\(error.code.rawValue)"
            if let curlCode = error.curlCode {
                metadata["curl.code"] = "\(curlCode)"
            }
            logger.info("outbound HTTP request failed", metadata: metadata)
        }
    }
}
