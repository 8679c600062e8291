/// Told about each batch the importer commits, around the commit (tracing: `BlacklistTracing`).
/// Called on the importer's writing thread; it must not block. The time between one batch's
/// `committed` and the next one's `committing` is the importer reading, parsing, sorting and
/// gathering: the part of an import that is not the store's.
public protocol ImportBatchObserver: AnyObject {
    func committing(batch: Int, rows: Int)
    /// `error`: the store's message when the commit failed (the import then stops).
    func committed(batch: Int, rows: Int, error: String?)
}
