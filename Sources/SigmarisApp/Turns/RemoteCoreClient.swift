import Foundation
import Logging
import SigmarisAuth
import SigmarisCurl
import SigmarisEngine
import SigmarisJSON

/// A persona core in another process (`SIGMARIS_CORE_URL`), called like the reference frontend
/// called its FastAPI backend: `POST {core}/persona/chat`, with a token for the one user the turn is
/// about (`ServiceCredential`). A streamed turn uses the later reference's
/// `POST {core}/persona/chat/stream` when the core has it (`RemoteCoreClient+Streaming.swift`).
///
/// Only turns go to the core. Export, erase and the operator routes read and write this service's
/// own database, which in this mode holds the `messages` and snapshot rows but none of the core's
/// persona rows; the core API has no route for those (see `RemoteCoreErasure`).
struct RemoteCoreClient: Sendable {
    struct Answer: Sendable {
        var reply: String
        var meta: JSONValue
        var model: String
    }

    let baseURL: String
    let http: CurlHTTPClient
    let credential: ServiceCredential
    /// Bounds the calls in flight to the core and fails them fast while it is down; nil: none.
    var gate: OutboundGate? = nil
    /// Whether `streamChat` streams; otherwise a reply is handed on in one piece.
    var streams = false
    /// Whether this core has `/persona/chat/stream`, as learned from its answers; shared by every
    /// copy of this client (one per core and process).
    var streamSupport = CoreStreamSupport()
    /// The whole of one call, the wait for a place included. Longer than a provider call
    /// (`SIGMARIS_PROVIDER_TIMEOUT`, 60 s by default): the core makes one of its own.
    static let timeout = Duration.seconds(90)

    func chat(userID: String, sessionID: String, message: String, logger: Logger) async throws -> Answer {
        let request = try chatRequest(.chat, userID: userID, sessionID: sessionID, message: message, accept: "application/json")
        let place = try await enterGate(for: request, logger: logger)
        defer { place?.leave() }
        let response: HTTPResponse
        do {
            // A turn is not idempotent (it stores rows), so it is sent once.
            response = try await http.sendRetrying(
                request, policy: .none, holding: place, logger: logger, isRetryable: { _ in false }, onRetry: { _, _ in }
            ).response
        } catch {
            throw Self.failure(error.error, logger: logger)
        }
        guard response.status == 200 else {
            throw Self.failure("core answered \(response.status)", logger: logger)
        }
        return try Self.answer(json: response.body, model: response.headerValue(PersonaChatController.modelHeader.rawName), logger: logger)
    }

    /// The core's routes for a turn.
    enum Route: String, Sendable {
        /// `{reply, meta}` as JSON (the reference at the seed answers JSON whatever `Accept` says;
        /// this service streams it when asked).
        case chat = "/persona/chat"
        /// The later reference's stream: `start`, `delta`, then `done` or `error`.
        case chatStream = "/persona/chat/stream"
    }

    /// `POST {core}{route}` for one user's turn, within `timeout` from `start`.
    func chatRequest(
        _ route: Route, userID: String, sessionID: String, message: String, accept: String, from start: ContinuousClock.Instant = .now
    ) throws -> HTTPRequest {
        let body: JSONValue = ["user_id": .string(userID), "session_id": .string(sessionID), "message": .string(message)]
        return HTTPRequest(
            method: .post, url: baseURL + route.rawValue,
            headers: [
                ("Content-Type", "application/json"), ("Accept", accept),
                ("Authorization", "Bearer " + (try credential.token(for: userID))),
            ],
            body: Array(body.serialized().utf8)
        ).within(Self.timeout, from: start)
    }

    /// A JSON answer `{reply, meta}` (meta an object); the model from the core's `x-sigmaris-model`.
    static func answer(json body: [UInt8], model: String?, logger: Logger) throws -> Answer {
        guard let answer = try? JSONValue(parsing: body),
              let reply = answer["reply"]?.stringValue,
              let meta = answer["meta"], meta.objectValue != nil
        else {
            throw failure("core answer is not {reply, meta}", logger: logger)
        }
        return Answer(reply: reply, meta: meta, model: model ?? "remote")
    }

    /// A place at the core's gate for one call (nil without a gate).
    func enterGate(for request: HTTPRequest, logger: Logger) async throws -> OutboundGate.Place? {
        guard let gate else { return nil }
        do {
            return try await gate.enter(for: request)
        } catch {
            throw Self.failure(error, logger: logger)
        }
    }

    /// What a transfer's error (or the gate's refusal) becomes: the caller gone is a cancellation,
    /// a refusal a 503 that says when to come back, anything else a 502.
    static func failure(_ error: OutboundHTTPError, logger: Logger) -> any Error {
        switch error.code {
        case .cancelled:
            return CancellationError()
        case .busy, .unavailable:
            logger.warning("remote persona core call refused", metadata: ["sigmaris.detail": "\(error.code)"])
            let refusal = ProviderRefusal(kind: error.code == .busy ? .busy : .unavailable, retryAfterSeconds: error.retryAfterSeconds ?? 1)
            return APIError.providerRefused(refusal)
        default:
            return failure("core unreachable (\(error.code))", logger: logger)
        }
    }

    static func failure(_ detail: String, logger: Logger) -> APIError {
        logger.warning("remote persona core failed", metadata: ["sigmaris.detail": "\(detail)"])
        return APIError(.badGateway, "Sigmaris core request failed", reason: "core_failed", detail: detail)
    }
}

/// How this service proves itself to a remote core, per call, for the user the call is about.
///
/// With the JWT secret, each call carries a freshly minted token for that one user: `sub` the user's
/// id, `role: authenticated`, the configured audience and issuer, expiring in `mintedLifetime`. The
/// core's `POST /persona/chat` accepts a user's token whose `sub` is the body's `user_id` (another
/// id is a 403), so a token that leaks (a core's log, a proxy) can drive only that user's persona,
/// and only for minutes. The project's `SUPABASE_SERVICE_ROLE_KEY` never expires, drives every
/// persona and also opens Supabase's own APIs, so it is sent only when no secret is configured (a
/// project on asymmetric keys: this service cannot sign a user's token then).
struct ServiceCredential: Sendable {
    enum Source: Sendable {
        case minted(JWTSigner)
        case serviceRoleKey(String)
    }

    static let mintedLifetime: TimeInterval = 300

    let source: Source?
    /// `aud` and `iss` of a minted user token: the core checks them as it checks any user's token,
    /// and a core serving the same project expects this service's own (`SIGMARIS_JWT_AUDIENCE`,
    /// `SIGMARIS_JWT_ISSUER`).
    let audience: String
    let issuer: String?

    init(serviceRoleKey: String?, signer: JWTSigner?, audience: String = JWTVerifierConfiguration.defaultAudience, issuer: String? = nil) {
        if let signer {
            source = .minted(signer)
        } else {
            source = serviceRoleKey.map(Source.serviceRoleKey)
        }
        self.audience = audience
        self.issuer = issuer
    }

    /// The bearer token for a call about `userID`.
    func token(for userID: String, now: Date = Date()) throws -> String {
        switch source {
        case .minted(let signer):
            guard let user = UUID(uuidString: userID) else {
                // A core refuses a user token whose `sub` is not a UUID, so an id that is not one can
                // only go with a service token (minted, as short-lived). Every caller today passes a
                // signed-in user's id, which is a UUID.
                return try signer.sign(.service(now: now, lifetime: Self.mintedLifetime))
            }
            return try signer.sign(.user(id: user, issuer: issuer, audience: audience, now: now, lifetime: Self.mintedLifetime))
        case .serviceRoleKey(let key):
            return key
        case nil:
            throw APIError(.internalServerError, "No service credential configured")
        }
    }
}
