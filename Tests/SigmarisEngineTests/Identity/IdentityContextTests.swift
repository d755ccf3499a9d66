import Testing
@testable import SigmarisEngine

@Suite("Identity context (3)")
struct IdentityContextTests {

    @Test("past context: the fixed continuation label and a preview of the merged summary")
    func pastContext() {
        let identity = IdentityContext.build(message: "anything", finalPointerCount: 2, mergedSummary: "  【関連する過去文脈】\n[1] a  ")
        #expect(identity.topicLabel == "過去の会話の続き（自動推定）")
        #expect(identity.hasPastContext)
        #expect(identity.memoryPreview == "【関連する過去文脈】\n[1] a")
    }

    @Test("new topic: first line, trimmed, cut at 24 characters")
    func newTopic() {
        let message = "  " + String(repeating: "新", count: 30) + "\n second line"
        let identity = IdentityContext.build(message: message, finalPointerCount: 0, mergedSummary: nil)
        #expect(identity.topicLabel == "新規トピック: " + String(repeating: "新", count: 24) + "…")
        #expect(!identity.hasPastContext)
        #expect(identity.memoryPreview == nil)
        #expect(IdentityContext.topicLabel(message: "Hello\r\nworld", hasPastContext: false) == "新規トピック: Hello")
    }

    @Test("empty or blank message: the bare new-topic label")
    func emptyMessage() {
        #expect(IdentityContext.topicLabel(message: " \n\t", hasPastContext: false) == "新規トピック")
    }

    @Test("memory preview is cut at 240 characters, right-trimmed, plus …")
    func previewCut() {
        let summary = String(repeating: "文", count: 239) + " " + String(repeating: "字", count: 10)
        let identity = IdentityContext.build(message: "m", finalPointerCount: 1, mergedSummary: summary)
        // The 240th character is the space, trimmed before the ellipsis.
        #expect(identity.memoryPreview == String(repeating: "文", count: 239) + "…")
    }

    @Test("JSON shape and key order")
    func json() {
        let identity = IdentityContext(topicLabel: "t", hasPastContext: false, memoryPreview: nil)
        #expect(identity.json.serialized() == #"{"topic_label":"t","has_past_context":false,"anchor_hint":null,"memory_preview":null}"#)
    }
}
