import Dispatch
import Foundation
import RcomCLI
import Synchronization

/// Turns SIGINT into a flag the importer polls between batches, so Ctrl-C finishes the batch in
/// flight, commits it with its checkpoint and stops cleanly. A second Ctrl-C exits at once
/// (status 130); that is safe too, because only whole batches are ever committed.
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public var isRaised: Bool { raised.load(ordering: .acquiring) }

    public func raise() { raised.store(true, ordering: .releasing) }

    /// Installs the SIGINT handler until `stop` is called on the returned watcher.
    public static func watchingSIGINT() -> (flag: InterruptFlag, watcher: DispatchSourceSignal) {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if flag.isRaised { _exit(130) }
            flag.raise()
            Terminal.stderr("\nrcom: interrupted; finishing the batch in flight (Ctrl-C again to quit now)\n")
        }
        source.resume()
        return (flag, source)
    }

    public static func stopWatching(_ watcher: DispatchSourceSignal) {
        watcher.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
