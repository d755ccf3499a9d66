import ArgumentParser
import SigmarisApp

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending SQL files in the migrations folder, in order, and exit."
    )

    @OptionGroup var options: EnvironmentOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let logger = options.logger(configuration)
        let applied = try await applyMigrations(configuration: configuration, logger: logger)
        print(applied.isEmpty ? "database is up to date" : "applied: " + applied.joined(separator: ", "))
    }
}
