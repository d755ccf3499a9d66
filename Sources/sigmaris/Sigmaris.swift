import ArgumentParser

@main
struct Sigmaris: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigmaris",
        abstract: "A control plane for long-running LLM personas.",
        discussion: "Reads its settings from the environment and an optional .env file (the environment wins); see .env.example.",
        subcommands: [ServeCommand.self, MigrateCommand.self, TokenCommand.self, PruneCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
