import RcomReactor
@testable import RcomNotify

/// `rcom track` on a background reactor over real loopback sockets, with its store worker
/// thread, wired as `TrackCommand` wires them.
final class TrackFixture {
    let worker: TrackStoreWorker
    let server: BackgroundReactor<TrackPipeline>

    init(store: ClickRecorder, redirect: String?, recorder: TraceRecorder? = nil) throws {
        worker = TrackStoreWorker(recorder: store)
        server = try BackgroundReactor(TrackPipeline(clicks: worker, redirect: redirect), ports: [0], recorder: recorder)
        worker.start(door: server.wakeup)
    }

    var ports: [Int] { server.ports }

    /// Stops the reactor, then the worker; the pipeline as it ended.
    func stop() -> TrackPipeline {
        let pipeline = server.stop()
        worker.finish()
        return pipeline
    }
}
