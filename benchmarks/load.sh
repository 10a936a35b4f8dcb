#!/usr/bin/env bash
# The loopback load harness (issue 7). Installs wrk from Debian's packages when it is missing, builds the
# benchmarks module, and runs every scenario, each server in its own JVM. Prints the results table.
#
#   bash benchmarks/load.sh                                  # 20 s warm-up, 10 s measured per scenario
#   bash benchmarks/load.sh --warmup 60s --duration 10s      # longer warm-up
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  else
    echo "load.sh: wrk is missing; install it with: sudo apt-get install wrk" >&2
    exit 1
  fi
fi

mvn -B -q package -pl benchmarks -am -DskipTests
java_args="$*"
mvn -B -q -o -pl benchmarks exec:exec \
  -Dexec.args="-cp %classpath io.github.errorpages.benchmarks.load.LoadHarness ${java_args}"
