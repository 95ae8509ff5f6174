/// The OpenAPI description of the JSON API, served at `/openapi.yaml`: the file
/// `Sources/LedgerServer/openapi.yaml`, embedded in the binary when it is built.
enum OpenAPIDocument {
    static let text = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
