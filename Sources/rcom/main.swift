import Foundation
import RcomCLI

// A peer that closes early must not kill the process; the reactor also handles EPIPE.
signal(SIGPIPE, SIG_IGN)
let status = CommandRegistry(allCommands).main(Array(CommandLine.arguments.dropFirst()))
exit(status)
