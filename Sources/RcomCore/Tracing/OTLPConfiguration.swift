/// Tracing's settings from the standard OpenTelemetry environment variables, read strictly:
/// a value rcom cannot honour is an error naming the variable and what to write instead,
/// never a silent default. nil from `fromEnvironment`: tracing is off (no endpoint set,
/// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none), and then nothing is recorded or sent.
///
/// One deviation from the specification: with no endpoint variable set the SDKs default to
/// http://localhost:4318; rcom exports nothing instead, so tracing costs nothing unless asked for.
public struct OTLPConfiguration: Equatable, Sendable {
    /// Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or
    /// OTEL_EXPORTER_OTLP_ENDPOINT with "v1/traces" appended to its path.
    public var endpoint: HTTPURL
    /// OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_TRACES_HEADERS (which wins per name).
    /// Values are secrets (API keys): never logged.
    public var headers: [(name: String, value: String)]
    public var resource: OTLPResource
    public var sampler: TraceSampler
    public var limits: SpanExportLimits

    public static func == (a: OTLPConfiguration, b: OTLPConfiguration) -> Bool {
        a.endpoint == b.endpoint && a.resource == b.resource && a.sampler == b.sampler && a.limits == b.limits
            && a.headers.count == b.headers.count && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// `serviceName`: the default service.name when OTEL_SERVICE_NAME is not set (e.g. "rcom-proxy").
    public static func fromEnvironment(_ env: [String: String], serviceName: String,
                                       scopeVersion: String = "") -> Result<OTLPConfiguration?, OTLPConfigurationError> {
        do {
            return .success(try read(env, serviceName: serviceName, scopeVersion: scopeVersion))
        } catch let e as OTLPConfigurationError {
            return .failure(e)
        } catch {
            return .failure(OTLPConfigurationError(variable: "", problem: "\(error)"))
        }
    }

    private static func read(_ env: [String: String], serviceName: String, scopeVersion: String) throws -> OTLPConfiguration? {
        func value(_ name: String) -> String? {
            guard let raw = env[name] else { return nil }
            let v = String(Substring(raw).trimmingOWS())
            guard !v.isEmpty else { return nil }
            return v
        }
        if let disabled = value("OTEL_SDK_DISABLED") {
            switch disabled.lowercased() {
            case "true": return nil
            case "false": break
            default: throw OTLPConfigurationError(variable: "OTEL_SDK_DISABLED", problem: "must be true or false")
            }
        }
        if let exporter = value("OTEL_TRACES_EXPORTER") {
            switch exporter {
            case "none": return nil
            case "otlp": break
            default: throw OTLPConfigurationError(variable: "OTEL_TRACES_EXPORTER", problem: "rcom exports with otlp only (or none to turn tracing off)")
            }
        }
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let p = value(name), p != "http/json" {
                throw OTLPConfigurationError(variable: name, problem: "rcom sends OTLP/HTTP with JSON only: set it to http/json or unset it (every OpenTelemetry Collector accepts JSON on :4318)")
            }
        }
        let endpoint: HTTPURL
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            endpoint = try url(traces, variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            let u = try url(base, variable: "OTEL_EXPORTER_OTLP_ENDPOINT")
            guard !u.target.contains("?") else {
                throw OTLPConfigurationError(variable: "OTEL_EXPORTER_OTLP_ENDPOINT", problem: "has a query (?...), and rcom appends v1/traces to the path: give the whole URL in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT instead")
            }
            let path = u.target.hasSuffix("/") ? u.target : u.target + "/"
            endpoint = u.with(target: path + "v1/traces")
        } else {
            return nil
        }
        var headers = try OTLPKeyValueList.parse(value("OTEL_EXPORTER_OTLP_HEADERS") ?? "", variable: "OTEL_EXPORTER_OTLP_HEADERS", headers: true)
        for (name, v) in try OTLPKeyValueList.parse(value("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ?? "", variable: "OTEL_EXPORTER_OTLP_TRACES_HEADERS", headers: true) {
            headers.removeAll { $0.0.lowercased() == name.lowercased() }
            headers.append((name, v))
        }
        let resourceAttributes = try OTLPKeyValueList.parse(value("OTEL_RESOURCE_ATTRIBUTES") ?? "", variable: "OTEL_RESOURCE_ATTRIBUTES", headers: false)
        let service = value("OTEL_SERVICE_NAME") ?? resourceAttributes.first { $0.0 == "service.name" }?.1 ?? serviceName
        let resource = OTLPResource(serviceName: service, attributes: resourceAttributes.map { SpanAttribute($0.0, .string($0.1)) },
                                    scopeName: "rcom", scopeVersion: scopeVersion)

        var limits = SpanExportLimits()
        if let ms = try milliseconds(value("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ?? value("OTEL_EXPORTER_OTLP_TIMEOUT"),
                                     variable: value("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") != nil ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" : "OTEL_EXPORTER_OTLP_TIMEOUT",
                                     range: 1...600_000) {
            limits.exportTimeout_ns = ms * 1_000_000
        }
        if let ms = try milliseconds(value("OTEL_BSP_SCHEDULE_DELAY"), variable: "OTEL_BSP_SCHEDULE_DELAY", range: 1...600_000) {
            limits.batchDelay_ns = ms * 1_000_000
        }
        if let n = try milliseconds(value("OTEL_BSP_MAX_QUEUE_SIZE"), variable: "OTEL_BSP_MAX_QUEUE_SIZE", range: 1...65_536) {
            limits.maxQueue = Int(n)
        }
        if let n = try milliseconds(value("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), variable: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", range: 1...65_536) {
            guard Int(n) <= limits.maxQueue else {
                throw OTLPConfigurationError(variable: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", problem: "must not exceed OTEL_BSP_MAX_QUEUE_SIZE (\(limits.maxQueue))")
            }
            limits.maxBatch = Int(n)
        }
        return OTLPConfiguration(endpoint: endpoint, headers: headers, resource: resource,
                                 sampler: try sampler(value("OTEL_TRACES_SAMPLER"), argument: value("OTEL_TRACES_SAMPLER_ARG")),
                                 limits: limits)
    }

    private static func url(_ text: String, variable: String) throws -> HTTPURL {
        switch HTTPURL.parse(text) {
        case .failure(let e): throw OTLPConfigurationError(variable: variable, problem: "is not a usable URL: \(e.reason)")
        case .success(let u):
            // HTTPURL skips user:password@; an exporter must not send credentials nobody sees it send.
            let authority = text.dropFirst(u.scheme.count + 3).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard !authority.contains("@") else {
                throw OTLPConfigurationError(variable: variable, problem: "holds user information (user@host): put credentials in OTEL_EXPORTER_OTLP_HEADERS instead")
            }
            return u
        }
    }

    /// A whole decimal number within `range` (used for milliseconds and sizes alike).
    private static func milliseconds(_ text: String?, variable: String, range: ClosedRange<UInt64>) throws -> UInt64? {
        guard let text else { return nil }
        guard text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = UInt64(text), range.contains(n) else {
            throw OTLPConfigurationError(variable: variable, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// OTEL_TRACES_SAMPLER and its argument. Default: parentbased_always_on (the specification's).
    static func sampler(_ name: String?, argument: String?) throws -> TraceSampler {
        func ratio() throws -> Double {
            guard let argument else { return 1 }
            let ok = !argument.isEmpty && argument.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }
            guard ok, let r = Double(argument), r >= 0, r <= 1 else {
                throw OTLPConfigurationError(variable: "OTEL_TRACES_SAMPLER_ARG", problem: "must be a decimal ratio from 0 to 1, e.g. 0.01")
            }
            return r
        }
        switch name ?? "parentbased_always_on" {
        case "always_on": return .alwaysOn
        case "always_off": return .alwaysOff
        case "traceidratio": return .traceIDRatio(try ratio())
        case "parentbased_always_on": return .parentBased(root: .alwaysOn)
        case "parentbased_always_off": return .parentBased(root: .alwaysOff)
        case "parentbased_traceidratio": return .parentBased(root: .traceIDRatio(try ratio()))
        default:
            throw OTLPConfigurationError(variable: "OTEL_TRACES_SAMPLER", problem: "rcom knows always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off and parentbased_traceidratio")
        }
    }
}

/// A setting rcom cannot use: which variable, and what to do about it. Never quotes the value
/// (headers carry API keys).
public struct OTLPConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable) \(problem)" }
}
