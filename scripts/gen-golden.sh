#!/usr/bin/env bash
# Regenerate tests/golden/*.tsv: tshark's L2-L4 fields for every capture in tests/data/.
# CI does not run this (it needs tshark); the committed .tsv files are the expected data that
# tests/golden.rs compares layerscope's decode against.
#
#   scripts/gen-golden.sh            # all captures
#   scripts/gen-golden.sh FILE...    # some
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tshark >/dev/null || { echo "tshark not installed (apt-get install tshark)" >&2; exit 1; }

FIELDS=(
  frame.protocols frame.len frame.cap_len frame.time_epoch
  eth.dst eth.src eth.type
  vlan.priority vlan.dei vlan.id vlan.etype
  sll.pkttype sll.hatype sll.halen sll.src.eth sll.etype sll.ltype sll.ifindex
  null.family
  arp.hw.type arp.proto.type arp.hw.size arp.proto.size arp.opcode
  arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
  ip.version ip.hdr_len ip.dsfield ip.dsfield.dscp ip.dsfield.ecn ip.len ip.id
  ip.flags ip.flags.rb ip.flags.df ip.flags.mf ip.frag_offset ip.ttl ip.proto ip.checksum
  ip.src ip.dst ip.opt.type ip.opt.len
  ipv6.version ipv6.tclass ipv6.tclass.dscp ipv6.tclass.ecn ipv6.flow ipv6.plen ipv6.nxt
  ipv6.hlim ipv6.src ipv6.dst
  ipv6.hopopts.nxt ipv6.hopopts.len ipv6.dstopts.nxt ipv6.dstopts.len
  ipv6.fraghdr.nxt ipv6.fraghdr.offset ipv6.fraghdr.more ipv6.fraghdr.ident
  icmp.type icmp.code icmp.checksum icmp.ident icmp.seq
  icmpv6.type icmpv6.code icmpv6.checksum icmpv6.echo.identifier icmpv6.echo.sequence_number
  icmpv6.nd.ns.target_address icmpv6.nd.na.target_address
  igmp.type
  tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.flags.res
  tcp.flags.ae tcp.flags.cwr tcp.flags.ece tcp.flags.urg tcp.flags.ack tcp.flags.push
  tcp.flags.reset tcp.flags.syn tcp.flags.fin tcp.window_size_value tcp.checksum
  tcp.urgent_pointer tcp.len tcp.option_kind tcp.option_len tcp.options.mss_val
  tcp.options.wscale.shift tcp.options.wscale.multiplier
  tcp.options.timestamp.tsval tcp.options.timestamp.tsecr
  udp.srcport udp.dstport udp.length udp.checksum
)
args=()
for f in "${FIELDS[@]}"; do args+=(-e "$f"); done

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/data/*.pcap tests/data/*.pcapng)
# Conversation-level fields, from tshark's two-pass mode (-2), so that values that depend on
# the whole conversation (tcp.completeness) are final, as layerscope's engine reports them.
FLOW_FIELDS=(
  frame.protocols tcp.stream udp.stream tcp.seq tcp.ack tcp.nxtseq tcp.completeness tcp.window_size
  tcp.analysis.retransmission tcp.analysis.fast_retransmission tcp.analysis.spurious_retransmission
  tcp.analysis.out_of_order tcp.analysis.lost_segment tcp.analysis.ack_lost_segment
  tcp.analysis.duplicate_ack tcp.analysis.duplicate_ack_num tcp.analysis.zero_window
  tcp.analysis.zero_window_probe tcp.analysis.window_update tcp.analysis.window_full
  tcp.analysis.keep_alive tcp.analysis.keep_alive_ack
)
flow_args=()
for f in "${FLOW_FIELDS[@]}"; do flow_args+=(-e "$f"); done

# Application fields, with TCP reassembly on (tshark's default), so that a message spanning
# segments is reported on the packet that completes it, as layerscope does.
APP_FIELDS=(
  frame.protocols http.request.method http.request.uri http.request.version http.response.code
  http.host http.upgrade http.sec_websocket_key http.sec_websocket_accept
  websocket.fin websocket.rsv websocket.opcode websocket.mask websocket.payload_length
  websocket.payload_length_ext_16 websocket.payload_length_ext_64 websocket.masking_key
  websocket.payload.close.status_code
  dns.id dns.flags.response dns.flags.opcode dns.flags.rcode dns.count.queries dns.count.answers
  dns.qry.name dns.qry.type dns.resp.name dns.resp.type dns.resp.ttl dns.a dns.aaaa dns.cname
)
app_args=()
for f in "${APP_FIELDS[@]}"; do app_args+=(-e "$f"); done

mkdir -p tests/golden tests/golden/flow tests/golden/app
for f in "${files[@]}"; do
  tshark -2 -r "$f" -n -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' -E quote=n \
    -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
    "${app_args[@]}" > "tests/golden/app/$(basename "$f").tsv" 2>/dev/null || true
  tshark -2 -r "$f" -n -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' -E quote=n \
    -o ip.defragment:FALSE -o ipv6.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE \
    "${flow_args[@]}" > "tests/golden/flow/$(basename "$f").tsv" 2>/dev/null || true
  out="tests/golden/$(basename "$f").tsv"
  # Reassembly off: compare what each frame says by itself.
  tshark -r "$f" -n -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator='|' -E quote=n \
    -o ip.defragment:FALSE -o ipv6.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE \
    "${args[@]}" > "$out" 2>/dev/null || true
  echo "$out: $(($(wc -l < "$out") - 1)) packets"
done
