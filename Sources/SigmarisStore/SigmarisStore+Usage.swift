extension SigmarisStore {
    /// The pool and the recall cache right now (for `/metrics`, read when it is scraped).
    public var usage: StoreUsage {
        let pool = database.client.usage
        return StoreUsage(
            pool: .init(inUse: pool.inUse, idle: pool.idle, waiters: pool.waiters, size: pool.size),
            recallWindows: recallWindowStatistics)
    }
}
