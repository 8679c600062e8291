import Foundation
import RcomCLI

// A peer that closes early must not kill the process; the reactor also handles EPIPE.
signal(SIGPIPE, SIG_IGN)
var arguments = Array(CommandLine.arguments.dropFirst())
// `rcom --version` is the spelling people try first; it is the `version` command.
if arguments == ["--version"] { arguments = ["version"] }
let status = CommandRegistry(allCommands).main(arguments)
exit(status)
