#!/bin/bash
# shellcheck disable=SC2016 # the awk programs are in single quotes
# bench/summarize.sh OUT: the result lines of one make bench run (OUT/*.out)
# reduced to one small table per figure (OUT/*.dat), for bench/report.sh.
# Only medians and ratios: a ratio is taken per round (or per pair of
# boots, figure 1) between its two sides, then the median of those.
set -euo pipefail

out=$1
cd "$out"

# All result lines, each tagged with the boot (file) it came from.
all=$(for f in *.out; do sed "s|^|${f%.out} |" "$f"; done)

lib='
function val(key,   i, n, w) {
	n = split($0, w, " ")
	for (i = 1; i <= n; i++)
		if (index(w[i], key "=") == 1)
			return substr(w[i], length(key) + 2)
	return ""
}
# The median of a[1..n] (sorts a, as numbers: val() gives strings).
function median(a, n,   i, j, t) {
	if (n == 0) return 0
	for (i = 1; i <= n; i++)
		a[i] += 0
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'
fig() { awk "$lib $1" <<< "$all"; }

# Figure 1, per clock: per boot the median round; per pair of boots the
# ratio patched / vanilla; the median pair.  fig1.CLOCK.boots: pair,
# patched ns, vanilla ns, ratio.  fig1.CLOCK.dat: median patched, median
# vanilla, median ratio, pairs, rounds per boot, the spread of all rounds
# of each kernel ((max - min) / median, in %), their median absolute
# deviation (in % of the median).
for clock in icount host; do
	fig '
	$1 ~ /^fig1-'$clock'-/ && $2 == "fig1" {
		k = ($1 ~ /vanilla/) ? "v" : "p"
		b = $1; sub(/.*-/, "", b); b += 0; if (b > nb) nb = b
		n[k, b]++; x[k, b, n[k, b]] = val("ns_per_op")
		all[k, ++na[k]] = val("ns_per_op") + 0
	}
	function spread(k,   i, t, lo, hi) {
		lo = hi = all[k, 1]
		for (i = 1; i <= na[k]; i++) {
			t[i] = all[k, i]
			if (t[i] < lo) lo = t[i]
			if (t[i] > hi) hi = t[i]
		}
		return (hi - lo) / median(t, na[k]) * 100
	}
	# The median absolute deviation from the median, in % of it.
	function mad(k,   i, t, m) {
		for (i = 1; i <= na[k]; i++) t[i] = all[k, i]
		m = median(t, na[k])
		for (i = 1; i <= na[k]; i++) t[i] = all[k, i] > m ? all[k, i] - m : m - all[k, i]
		return median(t, na[k]) / m * 100
	}
	END {
		if (!nb) exit
		for (b = 1; b <= nb; b++) {
			for (i = 1; i <= n["p", b]; i++) t[i] = x["p", b, i]
			mp[b] = median(t, n["p", b])
			for (i = 1; i <= n["v", b]; i++) t[i] = x["v", b, i]
			mv[b] = median(t, n["v", b])
			q[b] = mp[b] / mv[b]
			printf "%d %.0f %.0f %.4f\n", b, mp[b], mv[b], q[b] > "fig1.'$clock'.boots"
		}
		printf "%.0f %.0f %.4f %d %d %.1f %.1f %.2f %.2f\n", median(mp, nb), median(mv, nb),
			median(q, nb), nb, n["p", 1], spread("p"), spread("v"), mad("p"), mad("v") > "fig1.'$clock'.dat"
	}'
done

# Figure 2, per loop: fig2.LOOP: loop, median ns of the sides none,
# detached and cache, the median ratios cache/none and detached/none,
# cache hits over all rounds, rounds.
fig '
$1 == "full" && $2 == "fig2" {
	r = val("round"); l = val("loop"); s = val("side")
	v[l, s, r] = val("ns_per_op"); if (r > nr) nr = r; loops[l] = 1
	if (s == "cache") hits[l] += val("cache_hits")
}
END {
	for (l in loops) {
		for (r = 1; r <= nr; r++) {
			a[r] = v[l, "none", r]; b[r] = v[l, "detached", r]; c[r] = v[l, "cache", r]
			q[r] = c[r] / a[r]; d[r] = b[r] / a[r]
		}
		printf "%s %.0f %.0f %.0f %.4f %.4f %d %d\n", l, median(a, nr), median(b, nr),
			median(c, nr), median(q, nr), median(d, nr), hits[l], nr > ("fig2." l)
	}
}'

# Figure 3: fig3.dat: one line per side that answers (daemon, echo): side,
# its p50 and p99 us, the pipe p50 and p99 of the same rounds, the median
# ratios p50 and p99, rounds, samples; and "bare", the connect() alone
# (no pipe side: zeros).
fig '
$1 == "full" && $2 == "fig3" {
	s = val("side"); n = val("n")
	# A round prints its pipe side first, then the side it is paired with.
	if (s == "pipe") { pend50 = val("p50_us"); pend99 = val("p99_us"); next }
	k = ++m[s]; p50[s, k] = val("p50_us"); p99[s, k] = val("p99_us")
	if (s == "bare") next
	i50[s, k] = pend50; i99[s, k] = pend99
	q50[s, k] = p50[s, k] / pend50; q99[s, k] = p99[s, k] / pend99
}
END {
	split("daemon echo bare", sides, " ")
	for (j = 1; j <= 3; j++) {
		s = sides[j]
		if (!m[s]) continue
		for (i = 1; i <= m[s]; i++) {
			a[i] = p50[s, i]; b[i] = p99[s, i]; c[i] = i50[s, i]; d[i] = i99[s, i]
			e[i] = q50[s, i]; f[i] = q99[s, i]
		}
		printf "%s %.1f %.1f %.1f %.1f %.3f %.3f %d %d\n", s, median(a, m[s]), median(b, m[s]),
			median(c, m[s]), median(d, m[s]), median(e, m[s]), median(f, m[s]), m[s], n
	}
}' > fig3.dat

# Figure 4: fig4.dat: callers, median decisions/s, connects/s, p50 and p99
# us, failed + timed out + overflowed over all rounds, rounds, window s.
fig '
$1 == "full" && $2 == "fig4" {
	c = val("callers"); n[c]++; k = n[c]
	d[c, k] = val("decisions_per_s"); x[c, k] = val("connects_per_s")
	p[c, k] = val("p50_us"); q[c, k] = val("p99_us"); w[c] = val("secs")
	bad[c] += val("failures") + val("timeouts") + val("overflows"); cs[c] = 1
}
END {
	for (c in cs) {
		for (k = 1; k <= n[c]; k++) { a[k] = d[c, k]; b[k] = x[c, k]; e[k] = p[c, k]; f[k] = q[c, k] }
		printf "%d %.1f %.1f %.0f %.0f %d %d %.0f\n", c, median(a, n[c]), median(b, n[c]),
			median(e, n[c]), median(f, n[c]), bad[c], n[c], w[c]
	}
}' | sort -n > fig4.dat

# Figure 5: fig5.dat: rules, median p50 and p99 us, RSS and peak kB,
# start ms, rounds, samples per round.
fig '
$1 == "host" && $2 == "fig5" { s = val("rules"); n[s]++; a[s, n[s]] = val("p50_us"); b[s, n[s]] = val("p99_us"); ss[s] = 1; m = val("n") }
$1 == "host" && $2 == "fig5mem" { s = val("rules"); rss[s] = val("rss_kb"); hwm[s] = val("hwm_kb"); st[s] = val("start_ms") }
END {
	for (s in ss) {
		for (k = 1; k <= n[s]; k++) { x[k] = a[s, k]; y[k] = b[s, k] }
		printf "%d %.1f %.1f %d %d %d %d %d\n", s, median(x, n[s]), median(y, n[s]), rss[s], hwm[s], st[s], n[s], m
	}
}' | sort -n > fig5.dat

# Figure 6: per slab cache that grew, the median objects per request (or
# per cache rule; a cache that grew in some rounds only counts 0 in the
# others).  fig6.req / fig6.cache: cache, objects per unit, bytes per
# object in this kernel (slot) and without debug metadata (object), bytes
# per unit (slot), rounds.  fig6.units: requests held, rules added,
# sactld RSS kB at rest and after figures 3-4.
fig '
function out(f, k, o, sl, ob, nr,   c, i, t, x) {
	for (c in k) {
		for (i = 1; i <= k[c]; i++) t[i] = o[c, i]
		for (; i <= nr; i++) t[i] = 0
		x = median(t, nr)
		printf "%s %.2f %d %d %.0f %d\n", c, x, sl[c], ob[c], x * sl[c], nr > f
	}
}
$1 == "full" && $2 == "fig6" { req = val("requests"); nr++ }
$1 == "full" && $2 == "fig6slab" {
	c = val("cache"); k[c]++; o[c, k[c]] = val("objs") / req; sl[c] = val("slot"); ob[c] = val("object")
}
$1 == "full" && $2 == "fig6cache" { rules = val("rules"); nc++ }
$1 == "full" && $2 == "fig6cacheslab" {
	c = val("cache"); kc[c]++; oc[c, kc[c]] = val("objs") / rules; slc[c] = val("slot"); obc[c] = val("object")
}
$1 == "full" && $2 == "fig6rss" { rss[val("at")] = val("rss_kb") }
END {
	out("fig6.req", k, o, sl, ob, nr)
	out("fig6.cache", kc, oc, slc, obc, nc)
	printf "%d %d %d %d\n", req, rules, rss["rest"], rss["after-load"] > "fig6.units"
}'
touch fig6.req fig6.cache
