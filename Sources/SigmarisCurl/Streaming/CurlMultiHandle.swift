import CCurl

/// Owns libcurl's multi handle (`CURLM *`) and the transfers registered with it.
///
/// Not `Sendable`: it is created, used and freed on the client's thread only (see
/// ``StreamingLoop``); other threads reach the handle solely through ``MultiWaker``.
/// Easy handles added to one multi handle share its connection cache, so consecutive transfers to
/// one upstream reuse their connections.
final class CurlMultiHandle {
    private let raw: UnsafeMutableRawPointer
    private var transfers: [UInt64: StreamingTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    init(maxIdleConnections: Int) throws(OutboundHTTPError) {
        try CurlGlobal.ensureInitialized()
        guard let raw = curl_multi_init() else {
            throw OutboundHTTPError(code: .transport)
        }
        self.raw = raw
        // Without it libcurl sizes the cache from the handles added so far, which for one-at-a-time
        // transfers can mean closing every connection after use.
        _ = sigmaris_curl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, max(1, maxIdleConnections))
    }

    /// Easy handles must leave the multi handle before it is freed; the transfers (and with them
    /// the easy handles) are released right after this body.
    deinit {
        for transfer in transfers.values {
            curl_multi_remove_handle(raw, transfer.easy.raw)
        }
        curl_multi_cleanup(raw)
    }

    var waker: MultiWaker { MultiWaker(multi: raw) }

    /// Transfers registered with the multi handle.
    var count: Int { transfers.count }

    /// Sets a transfer up for `start` and registers it; a failure (a deadline already past) ends that
    /// transfer at once.
    func begin(_ start: StreamStart) {
        let transfer: StreamingTransfer
        do {
            transfer = try StreamingTransfer(start)
        } catch {
            StreamingTransfer.refuse(start, with: error)
            return
        }
        let code = curl_multi_add_handle(raw, transfer.easy.raw)
        guard code == CURLM_OK else {
            StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .transport, redactedURL: start.url.redacted))
            return
        }
        transfers[transfer.id] = transfer
        idsByHandle[transfer.easy.raw] = transfer.id
    }

    /// Removes transfer `id` (when still registered) and ends its stream with `code`.
    func abort(_ id: UInt64, because code: OutboundHTTPError.Code) {
        guard let transfer = unregister(id) else { return }
        transfer.fail(OutboundHTTPError(code: code, redactedURL: transfer.redactedURL))
    }

    func abortAll(because code: OutboundHTTPError.Code) {
        for id in Array(transfers.keys) {
            abort(id, because: code)
        }
    }

    /// Lets libcurl move every transfer forward, then completes the finished ones.
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(raw, &running)
        var queued: Int32 = 0
        while let message = curl_multi_info_read(raw, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let id = idsByHandle[easy]
            else { continue }
            let result = message.pointee.data.result
            unregister(id)?.complete(result)
        }
    }

    /// Sleeps until a socket is ready, a timeout of libcurl's is due, `curl_multi_wakeup` is
    /// called, or `milliseconds` pass.
    func poll(milliseconds: Int32) {
        _ = curl_multi_poll(raw, nil, 0, milliseconds, nil)
    }

    private func unregister(_ id: UInt64) -> StreamingTransfer? {
        guard let transfer = transfers.removeValue(forKey: id) else { return nil }
        idsByHandle[transfer.easy.raw] = nil
        curl_multi_remove_handle(raw, transfer.easy.raw)
        return transfer
    }
}
