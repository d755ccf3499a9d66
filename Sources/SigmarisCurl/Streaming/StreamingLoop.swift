/// The one thread that drives every transfer of a ``CurlHTTPClient``.
///
/// Each turn takes what callers handed over (new streams, cancellations, the stop), lets libcurl
/// move every transfer forward and completes the finished ones, then sleeps in `curl_multi_poll`
/// until a socket or timer needs it or a caller wakes it. Nothing here blocks on one transfer,
/// so hundreds of transfers share the thread.
enum StreamingLoop {
    /// The longest sleep without a wake-up; libcurl's own timers shorten it.
    static let idlePollMilliseconds: Int32 = 1000

    static func run(_ mailbox: StreamingMailbox, configuration: CurlHTTPClientConfiguration) {
        let multi: CurlMultiHandle
        do {
            multi = try CurlMultiHandle(maxIdleConnections: configuration.maxIdleConnections)
        } catch {
            for start in mailbox.close() {
                StreamingTransfer.refuse(start, with: error)
            }
            return
        }
        // Keeps the multi handle alive until the mailbox no longer hands out its waker.
        withExtendedLifetime(multi) {
            mailbox.attach(multi.waker)
            while true {
                let work = mailbox.take()
                if work.stopping {
                    for start in work.starts {
                        StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: start.url.redacted))
                    }
                    multi.abortAll(because: .shutdown)
                    mailbox.registeredCount = multi.count
                    break
                }
                for start in work.starts {
                    multi.begin(start)
                }
                for id in work.cancellations {
                    multi.abort(id, because: .cancelled)
                }
                multi.perform()
                mailbox.registeredCount = multi.count
                multi.poll(milliseconds: idlePollMilliseconds)
            }
            for start in mailbox.close() {
                StreamingTransfer.refuse(start, with: OutboundHTTPError(code: .shutdown, redactedURL: start.url.redacted))
            }
        }
    }
}
