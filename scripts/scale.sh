#!/usr/bin/env bash
# Scale check on a multi-GB capture (issue 6): makes target/bench/scale.pcap (never committed)
# by repeating a real Socket.IO capture with timestamps moving forward, then measures
#   - indexing: packets/s and index heap bytes per packet (examples/index_rate.rs);
#   - `layerscope decode` streaming the whole file: time and peak RSS (must stay bounded);
#   - the desktop app (under Xvfb, or the current display): first rows on screen, whole file
#     loaded, resident and peak memory against the file size (`--timings`);
#   - the UI frame time with the whole file loaded (benches/ui.rs).
# Usage: scripts/scale.sh [SIZE_MB]   (default 2048). Needs GNU time; the GUI part needs Xvfb
# or a display (skipped, with a word, without either).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-2048}
src=tests/data/nodejs-socketio-chat-upgrade.pcap
big=target/bench/scale.pcap
cargo build --release --quiet
cargo build --release --quiet --example make_capture --example index_rate
mkdir -p target/bench
if [ ! -f "$big" ] || [ $(( $(stat -c %s "$big") >> 20 )) -lt "$size_mb" ]; then
  target/release/examples/make_capture "$src" "$big" "$size_mb"
fi
bytes=$(stat -c %s "$big")
echo "file: $big, $((bytes >> 20)) MB ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB RAM)"

echo "== indexing"
target/release/examples/index_rate "$big"

echo "== layerscope decode (text, streaming) to /dev/null"
/usr/bin/time -f "%e s, peak RSS %M kB" target/release/layerscope decode "$big" > /dev/null

echo "== desktop app"
display=${DISPLAY:-}
xvfb_pid=
if [ -z "$display" ] && command -v Xvfb > /dev/null; then
  display=:93
  Xvfb "$display" -screen 0 1600x1000x24 > /dev/null 2>&1 &
  xvfb_pid=$!
  sleep 1
fi
if [ -n "$display" ]; then
  log=$(mktemp)
  DISPLAY=$display target/release/layerscope --timings "$big" 2> "$log" &
  app=$!
  for _ in $(seq 600); do
    grep -q "packets loaded" "$log" && break
    sleep 0.5
  done
  kill "$app" 2> /dev/null || true
  wait "$app" 2> /dev/null || true
  grep timings "$log"
  peak=$(sed -n 's/.*peak \([0-9]*\) MB.*/\1/p' "$log")
  [ -n "$peak" ] && echo "peak RSS = $(echo "scale=2; $peak / ($bytes / 1048576)" | bc)x the file size (target <= 1.5x)"
  rm -f "$log"
else
  echo "skipped: no display and no Xvfb (apt-get install xvfb)"
fi
[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2> /dev/null || true

echo "== UI frame time with the whole file loaded"
cargo bench --quiet --bench ui -- "$big" 2> /dev/null | tail -1
