import CCurl

// libcurl callbacks. They are plain C function pointers (no captures); all
// state arrives through `userdata`, an unretained ``CurlTransferState``
// pointer (see that type for why it stays alive).

/// CURLOPT_WRITEFUNCTION: collects the body. Returning anything other than
/// `size * count` makes libcurl abort with CURLE_WRITE_ERROR, which is how
/// the size cap stops the download instead of buffering it.
func curlWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let userdata else { return 0 }
    guard length > 0, let data else { return length }
    let state = Unmanaged<CurlTransferState>.fromOpaque(userdata).takeUnretainedValue()
    return state.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: libcurl delivers one complete header line per call.
func curlHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let userdata else { return 0 }
    guard length > 0, let data else { return length }
    let state = Unmanaged<CurlTransferState>.fromOpaque(userdata).takeUnretainedValue()
    state.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer with
/// CURLE_ABORTED_BY_CALLBACK. Used only to honour task cancellation.
func curlProgressCallback(
    _ userdata: UnsafeMutableRawPointer?,
    _ downloadTotal: curl_off_t,
    _ downloadNow: curl_off_t,
    _ uploadTotal: curl_off_t,
    _ uploadNow: curl_off_t
) -> Int32 {
    guard let userdata else { return 0 }
    let state = Unmanaged<CurlTransferState>.fromOpaque(userdata).takeUnretainedValue()
    return state.isCancelled ? 1 : 0
}
