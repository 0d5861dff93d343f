#!/usr/bin/python3
# SPDX-License-Identifier: EUPL-1.2
"""Summarises bench/compare.sh results (one JSON object per line): per scenario and server the
median over repetitions of each figure, the Janus/Ratsaal ratios, and as the very last line
ratio_cpu_per_packet_janus_over_ratsaal=X.XX for the first scenario (geometric mean of the
per-repetition ratios; runs are paired in the order they ran: A B A B ...).

  bench/summarize.py results.jsonl [--first SCENARIO] [--markdown]"""
import json
import math
import statistics
import sys

FIELDS = [("fwd_pps", "fwd pkt/s", "{:.0f}"), ("server_cpu_pct", "server CPU %", "{:.1f}"),
          ("server_kernel_pct", "of it in the kernel %", "{:.0f}"),
          ("cpu_s_per_mpkt", "CPU s / M pkt", "{:.2f}"), ("pkts_per_cpu_s", "pkt / CPU-s", "{:.0f}"),
          ("cpu_ms_per_stream_s", "CPU ms/s per stream", "{:.3f}"), ("loss_pct", "loss %", "{:.3f}"),
          ("lat_p50_us", "lat p50 µs", "{:.0f}"), ("lat_p99_us", "lat p99 µs", "{:.0f}"),
          ("lat_max_us", "lat max µs", "{:.0f}"),
          ("srv_delay_p50_us", "server delay p50 µs", "{:.0f}"),
          ("srv_delay_p99_us", "server delay p99 µs", "{:.0f}"),
          ("srv_delay_le1ms_pct", "server delay ≤ 1 ms %", "{:.2f}"),
          ("srv_pkts_per_udp_send", "pkts per UDP send", "{:.2f}"),
          ("join_p50_ms", "join p50 ms", "{:.0f}"),
          ("join_p99_ms", "join p99 ms", "{:.0f}"), ("rss_kib_per_stream", "RSS KiB/stream", "{:.1f}"),
          ("ready_subs", "subscribers ready", "{:.0f}"), ("sub_streams", "sub-streams", "{:.0f}"),
          ("gen_cpu_pct", "generator CPU %", "{:.0f}"),
          ("send_late_p99_us", "publisher send lateness p99 µs", "{:.0f}")]
# Scenarios whose subscribers switch simulcast layers (--switch-every-ms) add these rows.
SWITCH_FIELDS = [("switch_p50_ms", "switch p50 ms", "{:.0f}"), ("switch_p99_ms", "switch p99 ms", "{:.0f}"),
                 ("switch_max_ms", "switch max ms", "{:.0f}"),
                 ("switches_requested", "switches requested", "{:.0f}"),
                 ("switches_completed", "switches completed", "{:.0f}")]


def main():
    path = sys.argv[1]
    first = sys.argv[sys.argv.index("--first") + 1] if "--first" in sys.argv else None
    md = "--markdown" in sys.argv
    runs = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    order = []
    by = {}
    for r in runs:
        if r["label"] not in order:
            order.append(r["label"])
        by.setdefault((r["label"], r["server"]), []).append(r)
    for sc in order:
        rs, js = by.get((sc, "ratsaal"), []), by.get((sc, "janus"), [])
        print(f"\n### {sc}  (runs: ratsaal {len(rs)}, janus {len(js)}; median shown)\n" if md
              else f"\n== {sc}  (runs: ratsaal {len(rs)}, janus {len(js)}; median)")
        if md:
            print("| metric | Ratsaal | Janus | Janus / Ratsaal |\n| --- | ---: | ---: | ---: |")
        switching = any(r.get("switch_every_ms", 0) > 0 for r in rs + js)
        for key, name, fmt in FIELDS + (SWITCH_FIELDS if switching else []):
            a = [r[key] for r in rs if r.get(key, -1) is not None and r.get(key, -1) >= 0]
            b = [r[key] for r in js if r.get(key, -1) is not None and r.get(key, -1) >= 0]
            ma = statistics.median(a) if a else None
            mb = statistics.median(b) if b else None
            ratio = f"{mb / ma:.2f}" if ma and mb else "-"
            sa = fmt.format(ma) if ma is not None else "-"
            sb = fmt.format(mb) if mb is not None else "-"
            print(f"| {name} | {sa} | {sb} | {ratio} |" if md else f"  {name:22s} {sa:>12s} {sb:>12s}   {ratio}")
    if first:
        rs, js = by.get((first, "ratsaal"), []), by.get((first, "janus"), [])
        pairs = [(a["cpu_s_per_mpkt"], b["cpu_s_per_mpkt"]) for a, b in zip(rs, js)
                 if a["cpu_s_per_mpkt"] > 0 and b["cpu_s_per_mpkt"] > 0]
        if pairs:
            g = math.exp(sum(math.log(b / a) for a, b in pairs) / len(pairs))
            print(f"ratio_cpu_per_packet_janus_over_ratsaal={g:.2f}")
        else:
            print("ratio_cpu_per_packet_janus_over_ratsaal=NaN")


if __name__ == "__main__":
    main()
