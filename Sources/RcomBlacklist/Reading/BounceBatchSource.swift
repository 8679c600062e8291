/// Where the importer's batches come from: lines of a CSV or list (`BounceFileReader`), or the
/// records of a provider's JSON (`JSONRecordReader`), each record then being one "line".
protocol BounceBatchSource: AnyObject {
    /// The next batch, or nil at the end.
    func next() throws(ImportError) -> RawBatch?
}
