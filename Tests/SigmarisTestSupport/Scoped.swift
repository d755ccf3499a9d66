/// Runs `body` with `resource` and always closes it afterwards, whether `body` returned or threw:
/// servers, clients and thread pools a test starts must stop even when the test fails.
public func scoped<Resource, T>(
    _ resource: Resource,
    close: (Resource) async -> Void,
    _ body: (Resource) async throws -> T
) async throws -> T {
    do {
        let result = try await body(resource)
        await close(resource)
        return result
    } catch {
        await close(resource)
        throw error
    }
}
