#!/bin/sh
# Runs a Python test with Debian's interpreter, which sees python3-grpcio and
# python3-protobuf (a pyenv `python3` on PATH may not).
cd "$TEST_SRCDIR/$TEST_WORKSPACE" || exit 1
exec /usr/bin/python3 "$@"
