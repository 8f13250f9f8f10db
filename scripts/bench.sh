#!/usr/bin/env bash
# Side-by-side, in one run, on the same >= 200k-packet capture:
#   layerscope decode --format text   vs  tshark -r FILE
#   layerscope decode --format jsonl  vs  tshark -r FILE -T json
#   layerscope streams                vs  tshark -q -z conv,tcp
#   and the floor: a bare pcap-parser read loop (examples/read_floor.rs), plus the least a
#   summary line can cost: that loop, etherparse slicing and a short line (read_floor --line)
# and prints the ratios.  scripts/bench.sh [PACKETS]
# Builds target/bench/big.pcap by concatenating real captures (mergecap -a; never committed),
# then does the same on target/bench/mixed.pcap (examples/make_mixed.rs: python-socketio-style
# clients, polling then WebSocket, a third of the packets Socket.IO events with JSON
# arguments, beside DNS, HTTP and bulk TCP; generated, never committed).
# Needs tshark + mergecap (Debian: tshark, wireshark-common).
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-200000}
command -v tshark >/dev/null && command -v mergecap >/dev/null || { echo "needs tshark and mergecap (apt-get install tshark)" >&2; exit 1; }
cargo build --release --quiet
cargo build --release --quiet --example read_floor --example make_mixed
mkdir -p target/bench
big=target/bench/big.pcap
src=tests/data/nodejs-socketio-chat-upgrade.pcap
per=$(capinfos -c -M "$src" | awk '/Number of packets/ {print $NF}')
copies=$(( (want + per - 1) / per ))
if [ ! -f "$big" ] || [ "$(capinfos -c -M "$big" | awk '/Number of packets/ {print $NF}')" -lt "$want" ]; then
  files=(); for _ in $(seq "$copies"); do files+=("$src"); done
  mergecap -a -F pcap -w "$big" "${files[@]}"
fi

t() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
# The best of 5: this VM's speed wanders by a third from run to run, and the fastest run is
# the one least disturbed (the same for every command, tshark included).
best() { local b=999999 x; for _ in 1 2 3 4 5; do x=$(t "$@"); b=$(echo "if ($x < $b) $x else $b" | bc -l); done; echo "$b"; }

measure() {
big=$1
n=$(capinfos -c -M "$big" | awk '/Number of packets/ {print $NF}')
size=$(stat -c %s "$big")
echo "file: $big, $n packets, $size bytes ($(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"

ls_text=$(best target/release/layerscope decode "$big" --format text)
ts_text=$(best tshark -n -r "$big")
ls_json=$(best target/release/layerscope decode "$big" --format jsonl)
ts_json=$(t tshark -n -r "$big" -T json)
ls_conv=$(best target/release/layerscope streams "$big")
ts_conv=$(best tshark -n -q -r "$big" -z conv,tcp)
floor=$(best target/release/examples/read_floor "$big")
line_floor=$(best target/release/examples/read_floor --line "$big")
printf '%-34s %10s %14s\n' "command" "seconds" "packets/s"
row() { printf '%-34s %10.3f %14.0f\n' "$1" "$2" "$(echo "$n / $2" | bc -l)"; }
row "layerscope decode --format text" "$ls_text"
row "tshark -r" "$ts_text"
row "layerscope decode --format jsonl" "$ls_json"
row "tshark -T json" "$ts_json"
row "layerscope streams" "$ls_conv"
row "tshark -q -z conv,tcp" "$ts_conv"
row "pcap-parser read loop (floor)" "$floor"
row "read loop + etherparse + line" "$line_floor"
printf 'text:  layerscope is %.1fx tshark\n' "$(echo "$ts_text / $ls_text" | bc -l)"
printf 'jsonl: layerscope is %.1fx tshark -T json\n' "$(echo "$ts_json / $ls_json" | bc -l)"
printf 'conversations: layerscope streams is %.1fx tshark -z conv,tcp\n' "$(echo "$ts_conv / $ls_conv" | bc -l)"
printf 'floor: decode text takes %.1fx the bare read loop\n' "$(echo "$ls_text / $floor" | bc -l)"
printf 'floor: the least line (no conversations, options or application layers) takes %.1fx the bare read loop\n' "$(echo "$line_floor / $floor" | bc -l)"
}

measure "$big"
mixed=target/bench/mixed.pcap
if [ ! -f "$mixed" ] || [ "$(capinfos -c -M "$mixed" | awk '/Number of packets/ {print $NF}')" -lt "$want" ]; then
  target/release/examples/make_mixed "$mixed" "$want"
fi
echo
measure "$mixed"
