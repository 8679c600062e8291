import CSQLite
import Foundation

/// Copies the WAL back into the database on a thread and connection of its own, so that a bulk
/// writer (a suppression import; `rcom serve`'s group commits, whose answers would otherwise
/// wait behind a checkpoint's page writes and fdatasyncs) spends its time on updates rather than on checkpoints (about a fifth of an import's
/// SQLite time: reading WAL frames, writing pages, two fdatasyncs per checkpoint).
///
/// The writer's connection stops checkpointing on commit (its WAL hook is replaced by ours, which
/// only counts) and signals this thread every `pagesPerCheckpoint` new WAL pages. Checkpoints are
/// PASSIVE: they never wait for, nor block, the writer or readers. Crash safety is SQLite's: a
/// checkpoint copies committed frames only, and a killed run leaves a WAL that the next open
/// recovers, so exactly-once and resume are untouched.
///
/// Bound: one pending request (a flag; requests made while one is pending coalesce).
public final class WALCheckpointer: @unchecked Sendable {
    // @unchecked: `requested` and `stopping` are guarded by `condition`, `finished` by `done`;
    // `framesSeen` is only touched by the writer thread (inside its WAL hook).
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private let path: String
    private let pagesPerCheckpoint: Int32
    private var framesSeen: Int32 = 0
    private let done = NSCondition()
    private var finished = false

    /// A started checkpointer for `writer`'s file (nil for a database with no file); `stop(writer:)` ends it.
    public static func started(for writer: SQLiteDatabase, pagesPerCheckpoint: Int32) throws(StoreError) -> WALCheckpointer? {
        guard let file = writer.fileName else { return nil }
        let c = WALCheckpointer(path: file, pagesPerCheckpoint: pagesPerCheckpoint)
        try c.start(writer: writer)
        return c
    }

    /// `stop` with the writer's own autocheckpoint setting restored.
    public func stop(writer: SQLiteDatabase) {
        stop(writer: writer, autocheckpointPages: Int32(writer.walAutocheckpointPages))
    }

    public init(path: String, pagesPerCheckpoint: Int32) {
        self.path = path
        self.pagesPerCheckpoint = pagesPerCheckpoint
    }

    /// Opens the checkpointer's connection and starts its thread; from now on `writer` only
    /// signals. Call `stop` on the same writer before using it otherwise.
    public func start(writer: SQLiteDatabase) throws(StoreError) {
        var options = SQLiteDatabase.Options()
        options.create = false
        options.cacheSize_KiB = 2_048  // it only copies frames; it never reads rows
        let connection = try SQLiteDatabase(path: path, options: options)
        let box = ConnectionHandOff(connection)
        let thread = Thread { [self] in
            run(box.connection)
            done.lock()
            finished = true
            done.broadcast()
            done.unlock()
        }
        thread.name = "rcom-wal-checkpointer"
        thread.start()
        sqlite3_wal_hook(writer.handle, { context, _, _, frames in
            Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue().committed(frames: frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Restores the writer's own checkpointing and joins the thread. The caller then runs the
    /// final checkpoint on the writer, which copies whatever is left (and reports any I/O error).
    public func stop(writer: SQLiteDatabase, autocheckpointPages: Int32) {
        sqlite3_wal_autocheckpoint(writer.handle, autocheckpointPages)  // replaces our hook
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        done.lock()
        while !finished { done.wait() }
        done.unlock()
    }

    /// On the writer thread, after each commit, with the WAL's size in pages.
    private func committed(frames: Int32) {
        // The WAL restarts from frame 1 once a checkpoint has copied all of it.
        if frames < framesSeen { framesSeen = 0 }
        guard frames - framesSeen >= pagesPerCheckpoint else { return }
        framesSeen = frames
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    private func run(_ connection: SQLiteDatabase) {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            let stop = stopping
            requested = false
            condition.unlock()
            if stop { return }
            // A failure here loses nothing (the frames stay in the WAL) and is not the import's:
            // the writer's final checkpoint copies them again and reports a lasting error.
            try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        }
    }
}

/// Moves a connection to the checkpointer thread. @unchecked: after the hand-off only that thread uses it.
private final class ConnectionHandOff: @unchecked Sendable {
    let connection: SQLiteDatabase
    init(_ connection: SQLiteDatabase) { self.connection = connection }
}
