import XCTest
import RcomCore

final class OTLPConfigurationTests: XCTestCase {
    private func read(_ env: [String: String]) -> Result<OTLPConfiguration?, OTLPConfigurationError> {
        OTLPConfiguration.fromEnvironment(env, serviceName: "rcom-proxy", scopeVersion: "9")
    }

    func testEndpointRules() throws {
        let cases: [([String: String], String?)] = [
            ([:], nil),
            (["OTEL_SERVICE_NAME": "x"], nil),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"], "http://collector:4318/v1/traces"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"], "http://collector:4318/v1/traces"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector/mypath"], "http://collector/mypath/v1/traces"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector/mypath/"], "https://collector/mypath/v1/traces"),
            (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/custom"], "http://127.0.0.1:4318/custom"),
            (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": " http://c/v1/traces?tenant=a "], "http://c/v1/traces?tenant=a"),
            (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://a:1/t", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:2"], "http://a:1/t"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:2", "OTEL_SDK_DISABLED": "true"], nil),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:2", "OTEL_TRACES_EXPORTER": "none"], nil),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:2", "OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp",
              "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"], "http://b:2/v1/traces"),
        ]
        for (env, expected) in cases {
            let config = try read(env).get()
            XCTAssertEqual(config?.endpoint.description, expected, "\(env)")
        }
    }

    func testErrorsNameTheVariableAndNeverTheValue() {
        let base = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]
        let cases: [([String: String], String)] = [
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"], "OTEL_EXPORTER_OTLP_ENDPOINT"),
            (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "grpc://c:4317"], "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:SECRET@c:4318"], "OTEL_EXPORTER_OTLP_ENDPOINT"),
            (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/p?key=SECRET"], "OTEL_EXPORTER_OTLP_ENDPOINT"),
            (base.merging(["OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"]) { $1 }, "OTEL_EXPORTER_OTLP_PROTOCOL"),
            (base.merging(["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"]) { $1 }, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
            (base.merging(["OTEL_SDK_DISABLED": "yes"]) { $1 }, "OTEL_SDK_DISABLED"),
            (base.merging(["OTEL_TRACES_EXPORTER": "jaeger"]) { $1 }, "OTEL_TRACES_EXPORTER"),
            (base.merging(["OTEL_TRACES_SAMPLER": "jaeger_remote"]) { $1 }, "OTEL_TRACES_SAMPLER"),
            (base.merging(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"]) { $1 }, "OTEL_TRACES_SAMPLER_ARG"),
            (base.merging(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "-0.1"]) { $1 }, "OTEL_TRACES_SAMPLER_ARG"),
            (base.merging(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1e-2"]) { $1 }, "OTEL_TRACES_SAMPLER_ARG"),
            (base.merging(["OTEL_EXPORTER_OTLP_HEADERS": "api-key"]) { $1 }, "OTEL_EXPORTER_OTLP_HEADERS"),
            (base.merging(["OTEL_EXPORTER_OTLP_HEADERS": "api key=SECRET"]) { $1 }, "OTEL_EXPORTER_OTLP_HEADERS"),
            (base.merging(["OTEL_EXPORTER_OTLP_HEADERS": "api-key=SECRET%0d%0aX: y"]) { $1 }, "OTEL_EXPORTER_OTLP_HEADERS"),
            (base.merging(["OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=SECRET%zz"]) { $1 }, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
            (base.merging(["OTEL_RESOURCE_ATTRIBUTES": "=SECRET"]) { $1 }, "OTEL_RESOURCE_ATTRIBUTES"),
            (base.merging(["OTEL_RESOURCE_ATTRIBUTES": "a=%ff%fe"]) { $1 }, "OTEL_RESOURCE_ATTRIBUTES"),
            (base.merging(["OTEL_EXPORTER_OTLP_TIMEOUT": "10s"]) { $1 }, "OTEL_EXPORTER_OTLP_TIMEOUT"),
            (base.merging(["OTEL_BSP_MAX_QUEUE_SIZE": "0"]) { $1 }, "OTEL_BSP_MAX_QUEUE_SIZE"),
            (base.merging(["OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "200"]) { $1 }, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
        ]
        for (env, variable) in cases {
            switch read(env) {
            case .success: XCTFail("accepted \(env)")
            case .failure(let e):
                XCTAssertEqual(e.variable, variable, "\(env)")
                XCTAssertTrue(e.description.hasPrefix(variable + " "), e.description)
                XCTAssertFalse(e.description.contains("SECRET"), "the value is never quoted: \(e.description)")
            }
        }
    }

    func testHeadersResourceSamplerAndBatchSettings() throws {
        let env = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key=one, x-tenant = acme%20corp ,",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "API-KEY=two",
            "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs,deployment.environment=prod,team=a%2Cb",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.01",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_BSP_MAX_QUEUE_SIZE": "100",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10",
        ]
        let c = try XCTUnwrap(try read(env).get())
        XCTAssertEqual(c.headers.map { "\($0.name)=\($0.value)" }, ["x-tenant=acme corp", "API-KEY=two"])
        XCTAssertEqual(c.resource.attributes, [SpanAttribute("service.name", .string("from-attrs")),
                                               SpanAttribute("deployment.environment", .string("prod")),
                                               SpanAttribute("team", .string("a,b"))])
        XCTAssertEqual(c.resource.scopeVersion, "9")
        XCTAssertEqual(c.sampler, .parentBased(root: .traceIDRatio(0.01)))
        XCTAssertEqual(c.limits.exportTimeout_ns, 2_500_000_000)
        XCTAssertEqual(c.limits.batchDelay_ns, 200_000_000)
        XCTAssertEqual(c.limits.maxQueue, 100)
        XCTAssertEqual(c.limits.maxBatch, 10)

        let named = try XCTUnwrap(try read(env.merging(["OTEL_SERVICE_NAME": "svc"]) { $1 }).get())
        XCTAssertEqual(named.resource.attributes.first, SpanAttribute("service.name", .string("svc")), "OTEL_SERVICE_NAME wins")
        let plain = try XCTUnwrap(try read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]).get())
        XCTAssertEqual(plain.resource.attributes, [SpanAttribute("service.name", .string("rcom-proxy"))])
        XCTAssertEqual(plain.sampler, .parentBased(root: .alwaysOn), "the specification's default sampler")
        XCTAssertEqual(plain.limits, SpanExportLimits())
        XCTAssertTrue(plain.headers.isEmpty)

        let samplers: [(String, String?, TraceSampler)] = [
            ("always_on", nil, .alwaysOn), ("always_off", nil, .alwaysOff), ("traceidratio", nil, .traceIDRatio(1)),
            ("traceidratio", "0", .traceIDRatio(0)), ("parentbased_always_off", nil, .parentBased(root: .alwaysOff)),
            ("parentbased_traceidratio", "1", .parentBased(root: .traceIDRatio(1))),
        ]
        for (name, arg, expected) in samplers {
            var e = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": name]
            e["OTEL_TRACES_SAMPLER_ARG"] = arg
            XCTAssertEqual(try read(e).get()?.sampler, expected, name)
        }
    }
}
