#!/usr/bin/env bash
# The loopback load harness (issue 7). Installs wrk from Debian's packages when it is missing, builds the
# benchmarks module with the library modules it measures (in one reactor build, so the code of this checkout
# is measured, never what ~/.m2 holds), and runs every scenario, each server in its own JVM. Prints the table.
#
#   bash benchmarks/load.sh                                  # 20 s warm-up, 10 s measured per scenario
#   bash benchmarks/load.sh --warmup 60s --duration 10s      # longer warm-up
#   bash benchmarks/load.sh --only jetty-502,branded-502     # some measurements only
#   bash benchmarks/load.sh --rounds 3                       # three rounds, budgets judged by their medians
#   bash benchmarks/load.sh --jfr /tmp/recordings            # a flight recording of every server JVM
#   bash benchmarks/load.sh --only "jetty-502, branded-502"  # quoted values stay one argument
#   bash benchmarks/load.sh --help                           # the options, and the measurements' names
set -euo pipefail

# The harness's arguments as the exec plugin takes them: it splits -Dload.args at spaces but keeps what is quoted
# together, so each argument goes in single quotes and a value with spaces (--only "jetty-502, branded-502", a --jfr
# directory) stays one argument. A relative --jfr directory is made absolute here, before the cd below and the
# plugin's own (to benchmarks/), so that the recordings land where the caller meant.
load_args=""
previous=""
for arg in "$@"; do
  if [ "$previous" = "--jfr" ] && [[ $arg != /* ]]; then
    arg="$PWD/$arg"
  fi
  case "$arg" in
    *"'"*) echo "load.sh: an argument must not contain a single quote, but was: $arg" >&2; exit 2 ;;
  esac
  load_args="$load_args '$arg'"
  previous=$arg
done

cd "$(dirname "$0")/.."

help=false
for arg in "$@"; do
  case "$arg" in --help|-h) help=true ;; esac
done
if [ "$help" = true ]; then
  mvn -B -q package -pl benchmarks -am -DskipTests -Dmaven.javadoc.skip -Dload -Dload.args="--help"
  exit 0
fi

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  else
    echo "load.sh: wrk is missing; install it with: sudo apt-get install wrk" >&2
    exit 1
  fi
fi

echo "load.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -B -q package -pl benchmarks -am -DskipTests -Dload -Dload.args="$load_args"
echo "load.sh: done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
