#!/usr/bin/env bash
# What the size of the error page costs in budget (b) (branded 502 / Jetty's 502): Jetty's own 502 page
# (0.4 KB), the branded page as HTML (9.8 KB), the same page gzip-compressed for a client sending
# Accept-Encoding (3.9 KB), and the same page negotiated as plain text (0.3 KB), each in a server JVM of its own
# started as the load harness starts it, warmed up for 20 s, then measured with the harness's wrk command.
# Two rounds, so that a disturbed run shows. Loopback only; about 5 minutes. A row whose answer is not the 502 it
# measures (status, or who wrote it), or whose run had another answer or socket errors, is marked INVALID, and
# the script exits with status 1.
#
#   bash benchmarks/page-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null 2>&1 || { echo "page-size.sh: wrk is missing (bash .ci/install-test-tools)" >&2; exit 1; }

# The library modules and this module from this checkout, in one reactor build (never ~/.m2's SNAPSHOTs).
mvn -B -q package dependency:build-classpath -pl benchmarks -am -DskipTests -Dmaven.javadoc.skip \
    -Dmdep.outputFile=target/classpath.txt
classpath="benchmarks/target/classes:error-pages-core/target/classes:error-pages-servlet/target/classes"
classpath="$classpath:$(cat benchmarks/target/classpath.txt)"

# The servers run on the JDK the build ran on, as the load harness's do: JAVA_HOME's when it is set.
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
invalid=0

measure() { # SCENARIO ACCEPT [ACCEPT-ENCODING]
  local scenario=$1 accept=$2 encoding=${3:-} port line answer status size csp output result problems=""
  local headers=(-H "Accept: $accept")
  [[ -n $encoding ]] && headers+=(-H "Accept-Encoding: $encoding")
  coproc server { exec "$java" -Xms512m -Xmx512m -XX:+UseParallelGC -cp "$classpath" \
      io.github.errorpages.benchmarks.load.LoadServer "$scenario" 2>/dev/null; }
  read -r line <&"${server[0]}" || { echo "page-size.sh: the server for $scenario did not start" >&2; exit 1; }
  port=${line#READY port=}
  wrk -t2 -c32 -d20s "${headers[@]}" "http://127.0.0.1:$port/orders/42" >/dev/null
  # What the server answers, as the harness checks it: a 502, written by error-pages (its pages carry a
  # Content-Security-Policy) for BRANDED_502 and by Jetty for JETTY_502.
  answer=$(curl -s -o /dev/null -D - -w 'size=%{size_download}' "${headers[@]}" "http://127.0.0.1:$port/orders/42")
  status=$(awk 'NR == 1 {print $2}' <<<"$answer")
  size=${answer##*size=}
  csp=$(grep -ci '^content-security-policy:' <<<"$answer" || true)
  [[ $status == 502 ]] || problems+=" status $status, not 502;"
  if [[ $scenario == BRANDED_502 && $csp == 0 ]]; then problems+=" not error-pages' page;"; fi
  if [[ $scenario != BRANDED_502 && $csp != 0 ]]; then problems+=" error-pages' page, not Jetty's;"; fi
  output=$(wrk -t2 -c32 -d10s --latency "${headers[@]}" "http://127.0.0.1:$port/orders/42")
  result=$(awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} END {printf "%s req/s, p99 %s", rps, p99}' <<<"$output")
  # Every answer is a 502, so wrk counts each one as non-2xx: fewer means some other answer came back.
  problems+=$(awk '/ requests in / {requests=$1} /Non-2xx or 3xx responses:/ {non2xx=$5}
      /Socket errors:/ {print " " $0 ";"}
      END {if (non2xx != requests) printf " %s of %s answers non-2xx;", non2xx + 0, requests}' <<<"$output")
  if [[ -n $problems ]]; then
    result="INVALID:$problems $result"
    invalid=1
  fi
  printf '| %s | %s | %s | %s B | %s |\n' "$scenario" "$accept" "${encoding:--}" "$size" "$result"
  kill "$server_PID" 2>/dev/null || true
  wait "$server_PID" 2>/dev/null || true
}

echo "page-size.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| server | Accept | Accept-Encoding | body | result |"
echo "|---|---|---|---:|---|"
for round in 1 2; do
  measure JETTY_502 text/html
  measure BRANDED_502 text/html
  measure BRANDED_502 text/html 'gzip, deflate, br, zstd'
  measure BRANDED_502 text/plain
done
if [[ $invalid == 1 ]]; then
  echo "page-size.sh: INVALID rows did not measure what they should" >&2
  exit 1
fi
