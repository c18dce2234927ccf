"""python -m koorlab.kube serve --state FILE --port P --token T: the lab Kubernetes API simulator."""

import argparse
import sys

from .server import serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m koorlab.kube",
                                     description="The lab's Kubernetes API: a simulator for tests and demos.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the API until SIGTERM")
    p.add_argument("--state", required=True, help="JSON file holding every object (created when missing)")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--token", required=True, help="the bearer token clients must send")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", help="... and this key (PEM)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    return serve(args.state, args.port, args.token, args.host, args.tls_cert, args.tls_key, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
