import Foundation

/// A process the test starts and may kill (a server under test), started with `posix_spawn`.
///
/// Not Foundation's `Process`: a signal of our choosing (SIGKILL) and a plain `waitpid` are all a
/// crash test needs, and `Process.waitUntilExit` on Linux can hang on inherited descriptors.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    /// Runs `/bin/sh -c "exec COMMAND"` (so `pid` is the command's own), output to `logPath`.
    public init(shellCommand command: String, logPath: String) throws {
        var pid = pid_t()
        let arguments = ["/bin/sh", "-c", "exec \(command) >\(Self.quoted(logPath)) 2>&1 </dev/null"]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard spawned == 0 else { throw TestDatabase.ShellFailure(command: command, status: spawned) }
        self.pid = pid
    }

    /// Sends `signal` and reaps the process.
    public func kill(_ signal: Int32) {
        _ = Foundation.kill(pid, signal)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A loopback port nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestDatabase.ShellFailure(command: "socket", status: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestDatabase.ShellFailure(command: "bind", status: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
