import Foundation

/// Starts `/bin/sh -c COMMAND` with only standard input, output and error inherited.
///
/// Every other descriptor is closed in the child: `pg_ctl` leaves a daemon behind, and a daemon
/// holding a copy of a test server's listening or accepted socket keeps those sockets open after the
/// server closes them (a client then never sees the close).
func spawnShell(_ command: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    guard addCloseFrom(&actions, 3) == 0 else { throw TestDatabase.ShellFailure(command: command, status: errno) }
    var pid = pid_t()
    let arguments = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
    guard spawned == 0 else { throw TestDatabase.ShellFailure(command: command, status: spawned) }
    return pid
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does
/// not import; its C signature is plain (a pointer and an int), so it is declared here by name.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
