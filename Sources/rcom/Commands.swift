import RcomBlacklist
import RcomCLI
import RcomJobs
import RcomNotify
import RcomWindow

/// Every subcommand, in the order `rcom --help` lists them.
/// Adding a command is one line here.
let allCommands: [CommandEntry] = [
    CommandEntry(MaxCommand.self),
    CommandEntry(JobServerCommand.self),
    CommandEntry(JobServerVerifyCommand.self),
    CommandEntry(JobClientCommand.self),
    CommandEntry(ProxyCommand.self),
    CommandEntry(ReplayCommand.self),
    CommandEntry(BlacklistCommand.self),
    CommandEntry(BlacklistGenerateCommand.self),
    CommandEntry(SendCommand.self),
    CommandEntry(StatsCommand.self),
    CommandEntry(ProvidersCommand.self),
    CommandEntry(TrackCommand.self),
    CommandEntry(ClientsCommand.self),
    CommandEntry(ClientsApplyCommand.self),
    CommandEntry(ClientsListCommand.self),
    CommandEntry(ClientsShowCommand.self),
    CommandEntry(ClientsRemoveCommand.self),
    CommandEntry(ClientsExportCommand.self),
    CommandEntry(NotifyCommand.self),
    CommandEntry(ServeCommand.self),
    CommandEntry(ServeKeysCommand.self),
    CommandEntry(ServeKeysCreateCommand.self),
    CommandEntry(ServeKeysListCommand.self),
    CommandEntry(ServeKeysRevokeCommand.self),
    CommandEntry(VersionCommand.self),
    // @@COMMANDS@@ (one line per command)
]
