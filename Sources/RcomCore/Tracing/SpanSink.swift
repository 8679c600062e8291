/// Where finished spans go: the exporter shell of the process. Called from any thread; must
/// not block (an exporter queues, and drops and counts at its bound).
public protocol SpanSink: AnyObject, Sendable {
    func add(_ span: SpanData)
}
