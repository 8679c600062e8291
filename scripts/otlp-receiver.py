#!/usr/bin/env python3
"""A test OTLP/HTTP trace receiver that decodes with the official definitions.

Accepts POST /v1/traces (Content-Type: application/json), decodes the body into
opentelemetry-proto's ExportTraceServiceRequest with google.protobuf.json_format.Parse
(unknown fields refused), and appends one JSON line per decoded span to --out. It answers
200 with an empty ExportTraceServiceResponse, or 400 with the reason when the body does not
decode, so a test sees exactly what a collector would refuse.

The OTLP specification's one exception to the protobuf JSON mapping is that traceId, spanId
and parentSpanId are hex strings, where json_format expects base64 for bytes fields. Like the
OpenTelemetry Collector, the receiver turns those hex strings (and only those, strictly:
32 or 16 lower-case hex digits, not all zero) into base64 before Parse, and reads the ids
back from the decoded message's bytes.

Listens on 127.0.0.1 port 0 (or --port) and prints "listening PORT" on stdout once ready.
--fail-first N answers the first N requests with --fail-status (503) and, with
--retry-after S, a Retry-After header: the exporter's retry path against a real socket.
--count-only (benchmarks: decoding is too slow to keep up) answers 200 without decoding and
appends each request's span count (its "spanId" keys) to --out, one number a line; it needs
no package.

Needs the PyPI package opentelemetry-proto (scripts/lib-deps.sh installs it into a venv).
"""
import argparse
import base64
import binascii
import http.server
import json
import re
import sys
import threading


def load_definitions():
    """The official definitions, imported only when decoding (--count-only needs none)."""
    global json_format, ExportTraceServiceRequest, Span, Status
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status


MAX_BODY = 16 << 20
HEX = {32: re.compile(r"^[0-9a-f]{32}$"), 16: re.compile(r"^[0-9a-f]{16}$")}


class Refused(Exception):
    pass


def hex_to_base64(obj, key, size, required):
    if key not in obj:
        if required:
            raise Refused("a span has no %s" % key)
        return
    value = obj[key]
    if value == "" and not required:
        return
    if not isinstance(value, str) or not HEX[size * 2].match(value) or set(value) == {"0"}:
        raise Refused("%s is not %d lower-case hex digits (or is all zero): %r" % (key, size * 2, value))
    obj[key] = base64.b64encode(binascii.unhexlify(value)).decode()


def decode(body):
    """The body as an ExportTraceServiceRequest, or Refused with the reason."""
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise Refused("not JSON: %s" % e)
    if not isinstance(doc, dict):
        raise Refused("the body is not a JSON object")
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                hex_to_base64(span, "traceId", 16, True)
                hex_to_base64(span, "spanId", 8, True)
                hex_to_base64(span, "parentSpanId", 8, False)
                for link in span.get("links", []):
                    hex_to_base64(link, "traceId", 16, True)
                    hex_to_base64(link, "spanId", 8, True)
    request = ExportTraceServiceRequest()
    try:
        json_format.Parse(json.dumps(doc), request, ignore_unknown_fields=False)
    except json_format.ParseError as e:
        raise Refused("does not decode as ExportTraceServiceRequest: %s" % e)
    return request


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def attributes(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def spans(request):
    """One dict per decoded span, ids back in hex, enums by name."""
    for rs in request.resource_spans:
        resource = attributes(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                yield {
                    "resource": resource,
                    "scope": {"name": ss.scope.name, "version": ss.scope.version},
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": s.parent_span_id.hex(),
                    "trace_state": s.trace_state,
                    "flags": s.flags,
                    "name": s.name,
                    "kind": Span.SpanKind.Name(s.kind),
                    "start_time_unix_nano": s.start_time_unix_nano,
                    "end_time_unix_nano": s.end_time_unix_nano,
                    "attributes": attributes(s.attributes),
                    "dropped_attributes_count": s.dropped_attributes_count,
                    "events": [{"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": attributes(e.attributes)}
                               for e in s.events],
                    "dropped_events_count": s.dropped_events_count,
                    "status": {"code": Status.StatusCode.Name(s.status.code), "message": s.status.message},
                }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="file the decoded spans are appended to, one JSON object a line")
    parser.add_argument("--fail-first", type=int, default=0, help="answer the first N requests with --fail-status")
    parser.add_argument("--fail-status", type=int, default=503)
    parser.add_argument("--retry-after", help="Retry-After value sent with the failures")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free one); a test of a collector coming back reuses one")
    parser.add_argument("--count-only", action="store_true", help="answer 200 without decoding; append span counts to --out")
    args = parser.parse_args()
    if not args.count_only:
        load_definitions()
    state = {"requests": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, status, body, extra=()):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, v in extra:
                self.send_header(name, v)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "-1"))
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                return self.answer(413 if length > MAX_BODY else 411, json.dumps({"message": "bad Content-Length"}))
            body = self.rfile.read(length)
            if self.path != "/v1/traces":
                return self.answer(404, json.dumps({"message": "POST /v1/traces only"}))
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                return self.answer(415, json.dumps({"message": "Content-Type must be application/json"}))
            if args.count_only:
                with lock, open(args.out, "a") as f:
                    f.write("%d\n" % body.count(b'"spanId"'))
                return self.answer(200, "{}")
            with lock:
                state["requests"] += 1
                failing = state["requests"] <= args.fail_first
            if failing:
                extra = [("Retry-After", args.retry_after)] if args.retry_after else []
                return self.answer(args.fail_status, json.dumps({"message": "failing on purpose"}), extra)
            try:
                request = decode(body)
            except Refused as e:
                sys.stderr.write("refused: %s\n" % e)
                return self.answer(400, json.dumps({"message": str(e)}))
            with lock, open(args.out, "a") as f:
                for s in spans(request):
                    f.write(json.dumps(s, sort_keys=True) + "\n")
            self.answer(200, "{}")

        def log_message(self, *a):
            pass

    # One thread per connection: exporters keep theirs alive, and several processes export at once.
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("listening", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
