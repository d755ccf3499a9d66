import Hummingbird

/// Per-request state that handlers share: Hummingbird's core storage plus what middleware learns
/// (the verified caller, once auth has run).
public struct SigmarisRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Bodies above this are refused with 413 before any handler reads them.
    public var maxUploadSize: Int { 64 * 1024 }
}
