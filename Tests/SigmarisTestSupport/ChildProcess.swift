import Foundation

/// A process the test starts and may kill (a server under test), started with `posix_spawn`.
///
/// Not Foundation's `Process`: a signal of our choosing (SIGKILL) and a plain `waitpid` are all a
/// crash test needs, and `Process.waitUntilExit` on Linux can hang on inherited descriptors.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    /// Runs `/bin/sh -c "exec COMMAND"` (so `pid` is the command's own), output to `logPath`.
    public init(shellCommand command: String, logPath: String) throws {
        let pid = try spawnShell("exec \(command) >\(Self.quoted(logPath)) 2>&1 </dev/null")
        self.pid = pid
    }

    /// Sends `signal` and reaps the process.
    public func kill(_ signal: Int32) {
        _ = Foundation.kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    /// Sends `signal` without waiting (a graceful stop the test then watches).
    public func signal(_ signal: Int32) {
        _ = Foundation.kill(pid, signal)
    }

    /// The exit status once the process has exited (and is reaped; minus the signal's number when a
    /// signal ended it), or nil if it is still running
    /// after `limit` (which only keeps a broken test from hanging).
    public func exitStatus(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : -(status & 0x7f) }
            if reaped == -1 && errno != EINTR { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A loopback port nothing listens on right now (free again once this returns).
    public static func freePort() throws -> Int {
        try ReservedPort().port
    }
}
