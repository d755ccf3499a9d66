import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of every route, the checked-in file
/// `openapi.json` of the pages' folder (`SIGMARIS_PUBLIC_DIR`), so it ships wherever the pages do.
/// The page that renders it, `/docs`, is one of the pages (`PagesController`). The drift test
/// (`Tests/SigmarisAppTests/OpenAPI`) holds the document to the router and to the routes' real answers.
struct DocsController: Sendable {
    static let documentName = "openapi.json"

    let folder: StaticFileFolder

    init(publicDirectory: String) {
        folder = StaticFileFolder(root: publicDirectory.isEmpty ? "." : publicDirectory)
    }

    func addRoutes(to router: Router<SigmarisRequestContext>) {
        router.get("openapi.json") { request, _ in
            try await folder.response(
                segments: [Self.documentName], headers: [.cacheControl: "no-cache", .xContentTypeOptions: "nosniff"], request: request)
        }
    }
}
