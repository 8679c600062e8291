public extension HTTPResponse {
    /// A `GET /metrics` answer: the exposition text with the content type Prometheus negotiates
    /// for format 0.0.4.
    static func metrics(_ text: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", PrometheusExposition.contentType)
        return HTTPResponse(status: 200, headers: headers, body: Array(text.utf8))
    }
}
