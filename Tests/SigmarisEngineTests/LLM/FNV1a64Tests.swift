import Testing
@testable import SigmarisEngine

@Suite("FNV-1a 64")
struct FNV1a64Tests {

    @Test("published test vectors")
    func vectors() {
        #expect(FNV1a64.hash([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a64.hash(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a64.hash(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    @Test("feeding scalars equals feeding their UTF-8 bytes")
    func scalarsAreUTF8() {
        let text = "aé語😀"
        var byScalar = FNV1a64()
        for scalar in text.unicodeScalars { byScalar.combine(scalar) }
        #expect(byScalar.value == FNV1a64.hash(Array(text.utf8)))
    }
}
