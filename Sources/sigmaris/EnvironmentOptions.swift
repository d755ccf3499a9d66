import ArgumentParser
import Foundation
import Logging
import SigmarisApp

/// Options shared by every subcommand: where the `.env` file is.
struct EnvironmentOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "A .env file read under the process environment.")
    var envFile: String = ".env"

    /// The configuration, or an exit with a message that names the offending variable.
    func loadConfiguration() throws -> SigmarisConfiguration {
        let environment = DotEnv.merged(environment: ProcessInfo.processInfo.environment, dotEnvPath: envFile)
        do {
            return try SigmarisConfiguration(environment: environment)
        } catch {
            // Not a usage error, so no usage text: just the variable and what it must be.
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
