import Hummingbird
import HummingbirdCore
import Logging
import NIOPosix
import ServiceLifecycle
import SigmarisAuth
import SigmarisCurl
import SigmarisEngine
import SigmarisStore

/// The long-lived parts of a running service, created once and shared by the routes.
public struct AppServices: Sendable {
    public let configuration: SigmarisConfiguration
    /// The database, its recall cache and its errors (`SigmarisStore`).
    let store: SigmarisStore
    let outbound: OutboundHTTP
    let verifier: JWTVerifier
    let jwks: JWKSCache?
    let turns: TurnRunner
    /// Every turn's way in, on both routes: the cap on turns in flight, then the user's rate.
    let turnAdmission: TurnAdmission
    /// `/api/summary` and `/api/translate`, on the configured provider.
    let helpers: LLMHelpers
    /// The account exports streaming now (`AccountController.exportLimit`).
    let exports: InFlightLimit
    /// `/readyz`'s cached database probe.
    let readiness: ReadinessCheck
    /// Set at SIGTERM: `/readyz` answers 503 from then on (`DrainNotice`).
    let drain = DrainState()
    /// Set once the migrations are applied (`makeApplication`); the webhook delivery waits for it.
    let migrationsApplied = MigrationsApplied()
    /// The leases of the limits every instance counts together (nil: `SIGMARIS_SHARED_LIMITS=false`).
    let sharedLeases: SharedLeases?
    let remoteCore: RemoteCoreClient?
    /// Sends the webhook outbox to `SIGMARIS_WEBHOOK_URL`; nil without one.
    let webhookDelivery: WebhookDeliveryService?
    /// This application's metrics registry (one per application, so tests never share counters).
    let exposition: PrometheusExposition
    /// The application's logger, so long-lived services log at its level and with its metadata.
    let logger: Logger

    public init(configuration: SigmarisConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let exposition = PrometheusExposition()
        let metrics = exposition.metrics
        metrics.registerZeroSeries(provider: configuration.llmProvider.rawValue, reportsTokens: configuration.llmProvider == .openai)
        self.exposition = exposition
        self.store = try makeStore(configuration: configuration, logger: logger, metrics: metrics)
        let outbound = OutboundHTTP(configuration: configuration, logger: logger, metrics: metrics)
        self.outbound = outbound
        (self.verifier, self.jwks) = makeJWTVerifier(
            configuration: configuration, http: outbound.client, logger: logger, metrics: metrics)
        let provider = makePersonaProvider(
            configuration: configuration, http: outbound.client, gate: outbound.providerGate, logger: logger, metrics: metrics)
        self.turns = TurnRunner(
            engine: PersonaEngine(provider: provider, anchors: SafetyAnchorCache()),
            store: store,
            locks: UserTurnLock(maxQueuedPerUser: configuration.maxQueuedTurns),
            tracing: configuration.trace,
            textTracing: configuration.traceText,
            raiseProviderErrors: configuration.raiseLLMErrors,
            metrics: metrics,
            providerBudget: TurnProviderBudget.forTurn(callTimeout: .seconds(configuration.providerTimeoutSeconds)),
            archiveCandidates: configuration.memoryMode == .archive ? configuration.archiveCandidates : nil)
        self.helpers = LLMHelpers(
            model: makeHelperModel(configuration: configuration, http: outbound.client, gate: outbound.providerGate, logger: logger),
            providerBudget: TurnProviderBudget.forTurn(callTimeout: .seconds(configuration.providerTimeoutSeconds)))
        let sharedLeases = configuration.sharedLimits ? SharedLeases(store: store, logger: logger) : nil
        self.sharedLeases = sharedLeases
        self.turnAdmission = TurnAdmission(
            maxTurnsInFlight: configuration.maxTurnsInFlight,
            rateLimiter: TurnRateLimiter(
                turnsPerMinute: configuration.turnRateLimitPerMinute, shared: configuration.sharedLimits ? store : nil),
            maxQueuedTurns: configuration.maxQueuedTurns, shared: sharedLeases)
        self.exports = AccountController.exportLimit(maxConcurrent: configuration.maxConcurrentExports, shared: sharedLeases)
        let store = self.store
        self.readiness = ReadinessCheck { await store.isReachable() }
        self.remoteCore = try configuration.coreURL.map { url in
            RemoteCoreClient(
                baseURL: url.absoluteString.trimmingSuffix("/"),
                http: outbound.client,
                credential: ServiceCredential(
                    serviceRoleKey: configuration.supabaseServiceRoleKey,
                    signer: try configuration.supabaseJWTSecret.map { try JWTSigner(hmacSecret: $0) },
                    audience: configuration.jwtAudience, issuer: configuration.jwtIssuer),
                gate: outbound.coreGate,
                streams: true)
        }
        // `validate()` holds that the URL and the signer come together.
        if let url = configuration.webhookURL, let signer = configuration.webhookSigner {
            self.webhookDelivery = WebhookDeliveryService(
                store: store, client: outbound.client, url: url.absoluteString, signer: signer,
                settings: configuration.webhookDelivery, migrations: migrationsApplied, metrics: metrics, logger: logger)
        } else {
            self.webhookDelivery = nil
        }
    }

    /// Long-lived parts that start and stop with the server.
    var lifecycleServices: [any Service] {
        // Shut down in reverse order, after the HTTP server: the leases are given back once every turn
        // and stream has ended, while the database is still there.
        var services: [any Service] = [store, outbound]
        if let sharedLeases { services.append(sharedLeases) }
        if let jwks { services.append(JWKSRefresher(cache: jwks, logger: logger)) }
        // Stops first, before the client and the store it uses.
        if let webhookDelivery { services.append(webhookDelivery) }
        return services
    }
}

/// The store of `configuration` (its pool, its recall cache), reporting to `metrics` when given.
func makeStore(
    configuration: SigmarisConfiguration, logger: Logger, metrics: SigmarisMetrics? = nil
) throws(ConfigurationError) -> SigmarisStore {
    SigmarisStore(
        configuration: try configuration.storeConfiguration(), logger: logger, observers: metrics?.storeObservers ?? StoreObservers())
}

/// `sigmaris migrate`: the same migrations `serve` applies, with a store of its own.
public func applyMigrations(configuration: SigmarisConfiguration, logger: Logger) async throws -> [String] {
    var configuration = configuration
    configuration.recallCacheMegabytes = 0
    let store = try makeStore(configuration: configuration, logger: logger)
    do {
        let applied = try await store.applyMigrations(from: configuration.migrationsURL)
        await store.shutdown()
        return applied
    } catch {
        await store.shutdown()
        throw error
    }
}

/// Builds the application that `sigmaris serve` runs (inside `SigmarisServer`) and the tests drive.
/// Pending migrations are applied before the server accepts connections.
public func buildApplication(
    configuration: SigmarisConfiguration,
    logger: Logger,
    runMigrations: Bool = true
) throws -> some ApplicationProtocol {
    try makeApplication(configuration: configuration, logger: logger, runMigrations: runMigrations).app
}

/// What `sigmaris serve` runs: the application, stopped gracefully on SIGTERM or SIGINT in this
/// order: `/readyz` answers 503 (`DrainNotice`); the listener closes; the turns and streams in
/// flight finish, for at most `SIGMARIS_DRAIN_TIMEOUT` seconds, after which they are cancelled
/// (storing nothing); the shared leases are given back and the connections closed; `run` returns.
public struct SigmarisServer: Sendable {
    let group: ServiceGroup

    public func run() async throws {
        try await group.run()
    }
}

public func buildServer(configuration: SigmarisConfiguration, logger: Logger, runMigrations: Bool = true) throws -> SigmarisServer {
    let (services, app) = try makeApplication(configuration: configuration, logger: logger, runMigrations: runMigrations)
    var group = ServiceGroupConfiguration(
        // Shut down last to first: the notice, then the application (its server, then its services).
        services: [.init(service: app), .init(service: DrainNotice(drain: services.drain))],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    group.maximumGracefulShutdownDuration = DrainNotice.maxNotice + .seconds(configuration.drainTimeoutSeconds)
    // Cancelled turns and streams end within a statement's cancel; this only bounds a hang.
    group.maximumCancellationDuration = .seconds(5)
    return SigmarisServer(group: ServiceGroup(configuration: group))
}

private func makeApplication(
    configuration: SigmarisConfiguration, logger: Logger, runMigrations: Bool
) throws -> (services: AppServices, app: some ApplicationProtocol) {
    // The executable checks this too (exit 78); here it also binds every other caller.
    try configuration.validateForServing()
    let services = try AppServices(configuration: configuration, logger: logger)
    warnAboutDevelopmentSwitches(configuration, logger: logger)
    let router = buildRouter(services: services)
    var app = Application(
        router: router,
        server: httpServer(configuration: configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sigmaris"),
        services: services.lifecycleServices,
        logger: logger)
    if runMigrations {
        app.beforeServerStarts {
            try await services.store.applyMigrations(from: configuration.migrationsURL)
            services.migrationsApplied.set()
        }
    } else {
        services.migrationsApplied.set()
    }
    app.beforeServerStarts {
        await logMemorySearch(services: services)
    }
    return (services, app)
}

/// The start-up line that says what recall reads and which archive search runs (issue #23), also in
/// `/readyz` (`memory_search`). A database not reachable yet is no reason not to start: `/readyz`
/// says it once it is.
func logMemorySearch(services: AppServices) async {
    let mode = services.configuration.memoryMode
    do {
        let path = try await services.store.archiveSearchPath()
        services.logger.info("memory: \(mode.rawValue) recall, archive search \(path.name)", metadata: [
            "sigmaris.memory": "\(mode.rawValue)", "sigmaris.memory_search": "\(path.name)",
            "sigmaris.archive_candidates": "\(services.configuration.archiveCandidates)",
        ])
    } catch {
        services.logger.warning("memory: \(mode.rawValue) recall; archive search not known yet", metadata: ["error": "\(error)"])
    }
}

/// HTTP/1.1 with the service's own connection handlers: slow-client timeouts, and the watcher that
/// lets a streamed turn notice its client leaving.
func httpServer(configuration: SigmarisConfiguration) -> HTTPServerBuilder {
    let (headerTimeout, bodyTimeout) = (configuration.headerReadTimeoutSeconds, configuration.bodyReadTimeoutSeconds)
    return .http1(configuration: .init(additionalChannelHandlers: [
        RequestReadTimeoutHandler(headerTimeout: .seconds(Int64(headerTimeout)), bodyTimeout: .seconds(Int64(bodyTimeout))),
        InboundCloseWatcher(),
    ]))
}

/// The routes, in one place, so the whole HTTP surface reads top to bottom.
func buildRouter(services: AppServices) -> Router<SigmarisRequestContext> {
    let configuration = services.configuration
    let router = Router(context: SigmarisRequestContext.self)
    router.addMiddleware {
        HTTPMetricsMiddleware(metrics: services.exposition.metrics)
        RequestLogMiddleware()
        ErrorMiddleware()
    }
    let store = services.store
    let memoryMode = configuration.memoryMode
    HealthController(readiness: services.readiness, drain: services.drain, memorySearch: {
        memoryMode == .window ? "window" : (try? await store.archiveSearchPath())?.name
    }).addRoutes(to: router)
    MetricsController(
        exposition: services.exposition, store: services.store, turnsInFlight: services.turnAdmission.inFlight,
        gates: services.outbound.gates, token: configuration.metricsToken
    ).addRoutes(to: router)

    // The persona core API: a service caller, the user themself, or (auth disabled) anyone.
    let persona = router.group("persona")
        .add(middleware: AuthMiddleware(
            verifier: services.verifier, allowService: true, allowAnonymous: configuration.authDisabled))
        .add(middleware: CancelOnDisconnectMiddleware())
    PersonaChatController(turns: services.turns, admission: services.turnAdmission).addRoutes(to: persona)

    addOperatorRoutes(to: router, services: services)

    // The proxy layer and the state APIs: signed-in users only, each seeing only their own rows.
    let api = router.group("api")
    let userAPI = api.group()
        .add(middleware: AuthMiddleware(verifier: services.verifier, allowService: false, allowAnonymous: false))
        .add(middleware: CancelOnDisconnectMiddleware())
    let core: AEIExchange.Core = services.remoteCore.map { .remote($0) } ?? .inProcess(services.turns)
    AEIController(exchange: AEIExchange(core: core, store: services.store), admission: services.turnAdmission).addRoutes(to: userAPI)
    LLMHelperController(helpers: services.helpers, admission: services.turnAdmission).addRoutes(to: userAPI)
    StateController(store: services.store).addRoutes(to: userAPI)
    SessionsController(store: services.store).addRoutes(to: userAPI)
    MessagesController(store: services.store).addRoutes(to: userAPI)
    MemoriesController(store: services.store).addRoutes(to: userAPI)
    AccountController(store: services.store, exports: services.exports, remoteCore: services.remoteCore != nil)
        .addRoutes(to: userAPI)

    // The pages.
    if configuration.devSignIn, let secret = configuration.supabaseJWTSecret {
        DevSignInController(jwtSecret: secret, audience: configuration.jwtAudience, issuer: configuration.jwtIssuer)
            .addRoutes(to: router)
    }
    PagesController(
        publicDirectory: configuration.publicDirectory,
        chartJSDirectory: configuration.chartJSDirectory,
        supabaseURL: configuration.supabaseURL?.absoluteString,
        supabaseAnonKey: configuration.supabaseAnonKey,
        devSignIn: configuration.devSignIn
    ).addRoutes(to: router)
    DocsController(publicDirectory: configuration.publicDirectory).addRoutes(to: router)

    // Last, after every route: a middleware added now wraps only the router's not-found responder,
    // so a path that exists answers an unknown method with 405 and `Allow` instead of 404.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

/// The operator routes: a credential always (even with auth disabled), then `OperatorMiddleware`
/// for every route of the group (the test that walks this group's routes holds that).
func addOperatorRoutes(to router: Router<SigmarisRequestContext>, services: AppServices) {
    let operatorRoutes = router.group("persona")
        .add(middleware: AuthMiddleware(verifier: services.verifier, allowService: true, allowAnonymous: false))
        .add(middleware: OperatorMiddleware(access: OperatorAccess(operatorIDs: services.configuration.operatorIDs)))
    OperatorController(store: services.store).addRoutes(to: operatorRoutes)
    PolicyController(store: services.store).addRoutes(to: operatorRoutes)
}

private func warnAboutDevelopmentSwitches(_ configuration: SigmarisConfiguration, logger: Logger) {
    if configuration.authDisabled {
        logger.warning("SIGMARIS_AUTH_DISABLED is on: POST /persona/chat and /persona/chat/stream accept requests WITHOUT credentials from anyone on this machine. Development only.")
    }
    if configuration.devSignIn {
        logger.warning("SIGMARIS_DEV_SIGNIN is on: POST /api/dev/token hands out tokens for the dev user to anyone on this machine. Development only.")
    }
}
