import CCurl

// libcurl callbacks. They are plain C function pointers (no captures); all
// state arrives through `userdata`, an unretained ``CurlResponseSink``: the
// transfer's `StreamingTransfer` (see there for why it stays alive).

/// What the body and header callbacks hand a response to.
protocol CurlResponseSink: AnyObject {
    /// Takes a body chunk; false aborts the transfer (CURLE_WRITE_ERROR).
    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool
    /// Takes one complete header line (status lines and the blank line included).
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer)
}

/// CURLOPT_WRITEFUNCTION: returning anything other than `size * count` makes
/// libcurl abort with CURLE_WRITE_ERROR, which is how a size cap (or a gone
/// consumer) stops the download instead of buffering it.
func curlWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let sink = sink(userdata) else { return 0 }
    guard length > 0, let data else { return length }
    return sink.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: libcurl delivers one complete header line per call.
func curlHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let sink = sink(userdata) else { return 0 }
    guard length > 0, let data else { return length }
    sink.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func sink(_ userdata: UnsafeMutableRawPointer?) -> (any CurlResponseSink)? {
    guard let userdata else { return nil }
    return Unmanaged<AnyObject>.fromOpaque(userdata).takeUnretainedValue() as? any CurlResponseSink
}
