import Foundation
import Logging

/// The tests' loggers. Under `scripts/test.sh` (`make test`), which sets `SIGMARIS_TEST_LOG_FILE`,
/// they append to that file (`.test-artifacts/test-errors.log`): the fault tests provoke error logs
/// on purpose (a database that goes away, a provider that fails), and on the terminal those read
/// like failures of the run. Without the variable (a plain `swift test`) they go to stderr as
/// before, so a test run by hand still shows what it logged.
public enum TestLogFile {
    /// The file's path, or nil for stderr.
    public static var path: String? {
        guard let path = ProcessInfo.processInfo.environment["SIGMARIS_TEST_LOG_FILE"], !path.isEmpty else { return nil }
        return path
    }

    /// A logger at `level` that writes to the test log file (or stderr).
    public static func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { label in
            guard let sink = sink else { return StreamLogHandler.standardError(label: label) }
            return FileLogHandler(label: label, sink: sink)
        }
        logger.logLevel = level
        return logger
    }

    /// One handle for the whole process, opened on first use; nil when there is no file (or it
    /// cannot be opened: then stderr, rather than losing the lines).
    private static let sink: LineSink? = path.flatMap(LineSink.init(path:))
}

/// Appends whole lines to one file; a lock keeps lines of parallel tests from interleaving.
final class LineSink: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()

    init?(path: String) {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return nil }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data((line + "\n").utf8))
    }
}

/// `StreamLogHandler`'s line format (time, level, label, metadata, message), into a `LineSink`.
struct FileLogHandler: LogHandler {
    let label: String
    let sink: LineSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = (metadataProvider?.get() ?? [:]).merging(metadata) { $1 }.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.write("\(Date().ISO8601Format()) \(event.level) \(label):\(fields) \(event.message)")
    }
}
