// libFuzzer entry point for the project's JSON parser (SigmarisJSON) (built by scripts/fuzz.sh, not by SwiftPM).
// Whatever the bytes, parsing returns a value or a JSONParseError; a value serializes and parses back
// to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let value = try? JSONValue(parsing: bytes) else { return 0 }
    let again = try? JSONValue(parsing: value.serialized())
    precondition(again == value, "a parsed value does not survive serialization")
    return 0
}
