#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Plots server CPU and forwarding latency against participants for the fan-out scenarios
# (x = subscribers) and the meeting scenarios (x = people, all publishing and subscribing) from
# one or more results.jsonl files (bench/compare.sh output), as SVG with gnuplot:
#   bench/plot.sh OUTDIR results.jsonl [more.jsonl ...]
set -euo pipefail
outdir="$1"; shift
mkdir -p "$outdir"
for kind in fanout meeting; do
python3 - "$outdir/$kind.dat" "$kind" "$@" <<'PY'
import json, statistics, sys
out, kind, files = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
for f in files:
    for l in open(f):
        if not l.startswith("{"): continue
        r = json.loads(l)
        if not r["label"].startswith(kind): continue
        x = r["subs"] if kind == "fanout" else r["pubs"]
        rows.setdefault((x, r["server"]), []).append(r)
subs = sorted({s for s, _ in rows})
with open(out, "w") as o:
    o.write("# subs ratsaal_cpu_pct janus_cpu_pct ratsaal_p50_ms janus_p50_ms ratsaal_p99_ms janus_p99_ms\n")
    for s in subs:
        def med(server, key, scale=1.0):
            v = [r[key] for r in rows.get((s, server), []) if r[key] >= 0]
            return f"{statistics.median(v) * scale:.3f}" if v else "NaN"
        o.write(f"{s} {med('ratsaal','server_cpu_pct')} {med('janus','server_cpu_pct')} "
                f"{med('ratsaal','lat_p50_us',1e-3)} {med('janus','lat_p50_us',1e-3)} "
                f"{med('ratsaal','lat_p99_us',1e-3)} {med('janus','lat_p99_us',1e-3)}\n")
PY
done
# CPU and latency plots for one kind: plot_kind KIND "x axis label" "title suffix"
plot_kind() {
  gnuplot <<GP
set terminal svg size 720,420 font "sans,12" background "white"
set datafile missing "NaN"
set key top left
set grid
set xlabel "$2"
set output "$outdir/$1_cpu.svg"
set title "Server CPU on one core$3 (steady window, user+sys)"
set ylabel "CPU % of one core"
plot "$outdir/$1.dat" using 1:2 with linespoints lw 2 title "Ratsaal", \
     "" using 1:3 with linespoints lw 2 title "Janus 1.1.2"
set output "$outdir/$1_latency.svg"
set title "Forwarding latency$3 (publisher send → subscriber receive, loopback)"
set ylabel "ms"
set logscale y
plot "$outdir/$1.dat" using 1:4 with linespoints lw 2 title "Ratsaal p50", \
     "" using 1:6 with linespoints lw 2 dt 2 title "Ratsaal p99", \
     "" using 1:5 with linespoints lw 2 title "Janus p50", \
     "" using 1:7 with linespoints lw 2 dt 2 title "Janus p99"
GP
}
plot_kind fanout "subscribers (1 publisher: Opus + VP8 1.5 Mbit/s)" ""
plot_kind meeting "people in the meeting (each publishes Opus + VP8 and receives everyone else)" ", meetings"
echo "plots in $outdir"
