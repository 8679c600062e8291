import Foundation
import RcomStore

extension SuppressionImporter {
    /// Sorts the window and commits it, part by part, in transactions; true when stopped by an
    /// interrupt. Concurrent mode gathers the parts on a thread of its own, ahead of this one.
    func apply(_ window: inout ImportWindow, skipThrough: String?) throws(ImportError) -> Bool {
        remember(window.malformedSamples)
        let concurrent = options.mode == .concurrent
        let sorted = window.sorted(parallel: concurrent)
        let ranges = sorted.parts(ofAbout: options.partAddresses)
        let source = PartSource(WindowGatherer(window: sorted, seen: seen!), ranges: ranges,
                                background: concurrent, lookup: subscriptionLookup)
        seen = nil
        // The gatherer hands `seen`, with this window's addresses, back when it is done.
        defer { seen = source.finish() }

        var repeats = 0
        var skip = skipThrough
        var partsDone = 0
        while let part = source.next() {
            partsDone += 1
            repeats += part.repeats
            let lastPart = partsDone == ranges.count
            let count = part.batch.count
            var index = 0
            if let address = skip {
                index = part.batch.firstIndex(after: address)
                if index < count { skip = nil }
            }
            if index == count && !lastPart { continue }
            repeat {
                let end = min(index + options.batchLines, count)
                let final = lastPart && end == count
                var next = checkpoint!
                next.batchesCommitted += 1
                var base = totals
                if final {
                    next.nextLine = window.endLine
                    next.byteOffset = window.endOffset
                    next.window = nil
                    next.completed = window.isLast
                    var lines = window.lineCounters
                    lines.duplicates += repeats
                    base = base + lines
                } else {
                    next.nextLine = window.startLine
                    next.byteOffset = window.startOffset
                    next.window = WindowProgress(endLine: window.endLine, endOffset: window.endOffset,
                                                 appliedThrough: part.batch.string(part.batch.entries[end - 1].email))
                }
                if let parallel {
                    // Handed to a writer: the checkpoint follows the commits (ParallelWriters),
                    // so `totals` keeps the line counters and the writers add the tallies.
                    next.counters = base
                    do { try parallel.submit(part.batch, entries: index..<end, record: next) }
                    catch { throw .store(error, resumeLine: parallel.checkpoint.nextLine) }
                } else {
                    let tally: SuppressionTally
                    batchObserver?.committing(batch: next.batchesCommitted, rows: end - index)
                    do {
                        tally = try store.apply(part.batch, entries: index..<end) { tally in
                            var c = next
                            c.counters = base
                            c.counters.add(tally)
                            return c
                        }
                    } catch {
                        batchObserver?.committed(batch: next.batchesCommitted, rows: end - index, error: error.description)
                        throw .store(error, resumeLine: checkpoint.nextLine)
                    }
                    batchObserver?.committed(batch: next.batchesCommitted, rows: end - index, error: nil)
                    base.add(tally)
                    next.counters = base
                }
                totals = base
                checkpoint = next
                if final { linesThisRun += window.lineCount }
                let sortedDone = part.range.lowerBound + (count == 0 ? part.range.count : part.range.count * end / count)
                reportProgress(line: window.startLine - 1
                               + (sorted.order.isEmpty ? window.lineCount : window.lineCount * sortedDone / sorted.order.count))
                index = end
                if final && window.isLast { return false }
                if options.pauseBetweenBatches_ms > 0 {
                    Thread.sleep(forTimeInterval: Double(options.pauseBetweenBatches_ms) / 1000)
                }
                if interrupt?.isRaised ?? false {
                    if !final {
                        var lines = window.lineCounters
                        lines.duplicates += repeats
                        openWindow = (lines, window.startLine...(window.endLine - 1))
                        linesThisRun += window.lineCount
                    }
                    return true
                }
            } while index < count
        }
        return false
    }
}
