/// The sentences the local provider composes replies from, in one language.
struct LocalReplyPhrases {
    let crisis: String
    let safetyLock: String
    let overloaded: String
    let reflectiveIntro: String
    let reflectiveNow: String
    let reflectiveMemory: String
    let reflectiveNoMemory: String
    let reflectiveNext: String
    let normalOpening: String
    let normalOpeningClose: String
    let normalMemory: String
    let normalMemoryClose: String
    let normalClosing: String
    let silent: String

    static let english: LocalReplyPhrases = {
        typealias Text = PersonaConstants.Local.English
        return LocalReplyPhrases(
            crisis: Text.crisis, safetyLock: Text.safetyLock, overloaded: Text.overloaded,
            reflectiveIntro: Text.reflectiveIntro, reflectiveNow: Text.reflectiveNow,
            reflectiveMemory: Text.reflectiveMemory, reflectiveNoMemory: Text.reflectiveNoMemory,
            reflectiveNext: Text.reflectiveNext, normalOpening: Text.normalOpening,
            normalOpeningClose: Text.normalOpeningClose, normalMemory: Text.normalMemory,
            normalMemoryClose: Text.normalMemoryClose, normalClosing: Text.normalClosing,
            silent: Text.silent
        )
    }()

    static let japanese: LocalReplyPhrases = {
        typealias Text = PersonaConstants.Local.Japanese
        return LocalReplyPhrases(
            crisis: Text.crisis, safetyLock: Text.safetyLock, overloaded: Text.overloaded,
            reflectiveIntro: Text.reflectiveIntro, reflectiveNow: Text.reflectiveNow,
            reflectiveMemory: Text.reflectiveMemory, reflectiveNoMemory: Text.reflectiveNoMemory,
            reflectiveNext: Text.reflectiveNext, normalOpening: Text.normalOpening,
            normalOpeningClose: Text.normalOpeningClose, normalMemory: Text.normalMemory,
            normalMemoryClose: Text.normalMemoryClose, normalClosing: Text.normalClosing,
            silent: Text.silent
        )
    }()
}
