import Testing
import SigmarisAuth

/// `WebhookSigner` against the Standard Webhooks specification's published test vector (the one its
/// reference libraries test with), and the secrets it refuses.
@Suite("Standard Webhooks signatures")
struct WebhookSignerTests {
    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp = 1614265330
    static let vectorBody = Array(#"{"test": 2432232314}"#.utf8)
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func signsTheSpecificationsTestVector() throws {
        let signer = try WebhookSigner(secret: Self.vectorSecret)
        #expect(signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody) == Self.vectorSignature)
    }

    @Test func theHeadersAreTheSpecificationsThree() throws {
        let signer = try WebhookSigner(secret: Self.vectorSecret)
        let headers = signer.headers(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.value) == [Self.vectorID, "1614265330", Self.vectorSignature])
    }

    @Test func anyChangeOfIDTimestampOrBodyChangesTheSignature() throws {
        let signer = try WebhookSigner(secret: Self.vectorSecret)
        for signature in [
            signer.signature(id: "msg_other", timestamp: Self.vectorTimestamp, body: Self.vectorBody),
            signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp + 1, body: Self.vectorBody),
            signer.signature(id: Self.vectorID, timestamp: Self.vectorTimestamp, body: Self.vectorBody + [0x20]),
        ] {
            #expect(signature != Self.vectorSignature)
        }
    }

    @Test(arguments: [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WebhookSigner.SecretError.missingPrefix),
        ("whsec_not base64!", .notBase64),
        ("whsec_c2hvcnQ=", .keyLength(5)),
        ("whsec_" + String(repeating: "A", count: 88), .keyLength(66)),
    ])
    func refusesSecretsOutsideTheSpecification(secret: String, expected: WebhookSigner.SecretError) {
        #expect(throws: expected) { try WebhookSigner(secret: secret) }
    }

    @Test func neitherTheSignerNorItsErrorsShowTheSecret() throws {
        let signer = try WebhookSigner(secret: Self.vectorSecret)
        #expect(!String(describing: signer).contains("MfKQ9r8"))
        #expect(!String(reflecting: signer).contains("MfKQ9r8"))
        for error in [WebhookSigner.SecretError.missingPrefix, .notBase64, .keyLength(5)] {
            #expect(!error.description.contains("MfKQ9r8"))
        }
    }
}
