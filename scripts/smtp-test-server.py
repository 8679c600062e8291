#!/usr/bin/python3
"""A real SMTP submission server for rcom's tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a kernel-chosen port and prints {"port": N} as its first stdout line.
Every accepted message is written to OUT_DIR as one JSON file (envelope, options, the user that
authenticated, the message bytes in base64, and subject, From and body as Python decodes them). Stops on SIGTERM or when stdin closes (so a test
that dies does not leave it running).

  --tls starttls|implicit|none   STARTTLS offered (with --cert/--key), TLS from the first byte, or neither
  --require-starttls             refuse commands before STARTTLS (530)
  --auth USER:PASSWORD           AUTH offered (only over TLS) and required before MAIL (530)
  --no-plain                     offer AUTH LOGIN only
  --smtputf8                     offer SMTPUTF8
  --reject ADDRESS               answer RCPT TO:<ADDRESS> with 550 5.1.1
  --defer N                      answer the first N messages' DATA with 451 4.3.0
"""
import argparse, asyncio, base64, email, email.policy, json, os, signal, ssl, sys, threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.deferred = 0
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.args.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.deferred < self.args.defer:
            self.deferred += 1
            return "451 4.3.0 Temporary failure, try again later"
        self.accepted += 1
        queue_id = "T%04d" % self.accepted
        raw = envelope.original_content or envelope.content
        # Python's own MIME reader decodes what rcom encoded (RFC 2047, quoted-printable), so the
        # tests check rcom's encoders against an implementation that is not rcom's.
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "subject": str(parsed["subject"]),
            "from": str(parsed["from"]),
            # The message came with CRLF line ends, which Python's decoder leaves in the text.
            "body": parsed.get_content().replace("\r\n", "\n"),
            "defects": [str(d) for part in parsed.walk() for d in part.defects],
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            # aiosmtpd's session.ssl covers STARTTLS only; the transport knows about implicit TLS too.
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "data": base64.b64encode(raw).decode(),
        }
        path = os.path.join(self.args.out_dir, queue_id + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as " + queue_id


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out-dir", required=True)
    p.add_argument("--tls", choices=["starttls", "implicit", "none"], default="starttls")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--no-plain", action="store_true")
    p.add_argument("--smtputf8", action="store_true")
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--defer", type=int, default=0)
    args = p.parse_args()

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = args.auth.split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd answers 535 itself (its default, True, means "already answered").
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = Handler(args)

    def factory():
        return SMTP(handler, hostname="rcom-test-smtp", enable_SMTPUTF8=args.smtputf8, decode_data=False,
                    tls_context=context if args.tls == "starttls" else None,
                    require_starttls=args.require_starttls,
                    authenticator=authenticator if args.auth else None,
                    auth_required=bool(args.auth),
                    # aiosmtpd only counts STARTTLS as TLS; under implicit TLS every byte is.
                    auth_require_tls=args.tls != "implicit",
                    auth_exclude_mechanism=["PLAIN"] if args.no_plain else None)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", 0, ssl=context if args.tls == "implicit" else None))
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)

    def stdin_closed():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)
    threading.Thread(target=stdin_closed, daemon=True).start()
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
