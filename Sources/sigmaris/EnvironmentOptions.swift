import ArgumentParser
import Foundation
import Logging
import SigmarisApp

/// Options shared by every subcommand: where the `.env` file is.
struct EnvironmentOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "A .env file read under the process environment.")
    var envFile: String = ".env"

    /// The configuration, or an exit with a message that names the offending variable.
    ///
    /// `overrides` (command-line options such as `serve --host`) replace variables before the rules
    /// are checked, so an option cannot slip past a rule its variable would have met; `forServing`
    /// adds the rules of a running server (`validateForServing()`).
    func loadConfiguration(overrides: [String: String] = [:], forServing: Bool = false) throws -> SigmarisConfiguration {
        let environment = DotEnv.merged(environment: ProcessInfo.processInfo.environment, dotEnvPath: envFile)
            .merging(overrides) { _, override in override }
        return try Self.exitingOnConfigurationError {
            let configuration = try SigmarisConfiguration(environment: environment)
            if forServing { try configuration.validateForServing() }
            return configuration
        }
    }

    /// Runs `body`; a `ConfigurationError` becomes exit code 78 (EX_CONFIG) with a line naming the
    /// variable. Not a usage error, so no usage text.
    static func exitingOnConfigurationError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
    }

    func logger(_ configuration: SigmarisConfiguration) -> Logger {
        // The executable is the one place that bootstraps logging; the modules only take a Logger.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "sigmaris")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }
}
