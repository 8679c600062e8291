import Foundation

extension SuppressionImporter {
    /// Concurrent mode: a reader thread, `workers` preparing threads, and this thread, which
    /// gathers the prepared batches in file order (`drive`) and is the one writer.
    func runConcurrent(reader: any BounceBatchSource, preparer: BatchPreparer,
                               skipThrough: String?) throws(ImportError) -> Bool {
        let workers = options.workers
        let input = BoundedChannel<RawBatch>(capacity: options.readAheadBatches)
        let output = OrderedFanIn<PreparedBatch>(window: options.readAheadBatches, producers: workers)
        let threads = DispatchGroup()
        let handOff = ReaderHandOff(reader)

        Self.spawn(threads, name: "rcom-blacklist-reader") {
            do throws(ImportError) {
                while let raw = try handOff.reader.next() {
                    guard input.send(raw) else { break }
                }
            } catch {
                output.fail(error)
            }
            input.close()
        }
        for i in 0..<workers {
            Self.spawn(threads, name: "rcom-blacklist-worker-\(i)") {
                while let raw = input.receive() {
                    guard output.put(seq: raw.seq, preparer.prepare(raw)) else { break }
                }
                output.producerFinished()
            }
        }
        // Whatever happens on this thread, release and join the others before returning.
        defer {
            input.cancel()
            output.cancel()
            threads.wait()
        }
        return try drive(skipThrough: skipThrough) { () throws(ImportError) -> PreparedBatch? in
            switch output.take() {
            case .none: return nil
            case .some(.failure(let error)): throw error
            case .some(.success(let prepared)): return prepared
            }
        }
    }

    private static func spawn(_ group: DispatchGroup, name: String, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }
}
