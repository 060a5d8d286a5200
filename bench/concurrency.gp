# Figure 4 as bench/concurrency.png: decisions per second (left axis) and
# the latency of one connect() (right axis, log) against the number of
# concurrent callers.  bench/report.sh runs it as
#   gnuplot -e "dat='OUT/fig4.dat'; png='...'; clock='...'" concurrency.gp
# fig4.dat columns: callers, decisions/s, connects/s, p50 us, p99 us, ...
set terminal pngcairo size 960,560 font "sans,11" noenhanced
set output png
set title "sactl: decisions by sactld against concurrent callers\n(".clock.", 1-CPU TCG guest, debug kernel: KASAN, lockdep)"
set logscale x 2
set xtics (1, 8, 64, 512)
set xrange [0.7:750]
set xlabel "concurrent callers (processes in a socket()+connect() loop)"
set ylabel "decisions per second"
set yrange [0:*]
set ytics nomirror
set y2label "connect() latency, ms (log)"
set logscale y2 10
# Up to the module's 60 s timeout, beyond which a call would fail anyway.
set y2range [1:100000]
set y2tics
set format y2 "%g"
set key bottom right box opaque
set grid xtics ytics
plot dat using 1:2 axes x1y1 with linespoints lw 3 pt 7 ps 1.5 lc rgb "#1f77b4" title "decisions/s (left)", \
     dat using 1:($4/1000) axes x1y2 with linespoints lw 2 pt 5 lc rgb "#2ca02c" title "p50 latency, ms (right)", \
     dat using 1:($5/1000) axes x1y2 with linespoints lw 2 pt 9 dt 2 lc rgb "#d62728" title "p99 latency, ms (right)"
