// Package mem models memory overcommitment on one host: how a hypervisor
// that has promised its guests more memory than it has takes pages back
// when it runs short, and what that costs the guests.
//
// Each guest's configured memory is split into pages that are resident
// (backed by a private machine page), shared (deduplicated with identical
// pages), compressed (in a per-VM cache), swapped (in the host's swap
// file), in the balloon (given back by the guest's balloon driver), or
// never touched. The host's free memory is what its pages leave; Check
// verifies that everything adds up.
//
// Every epoch (1 s) the host:
//
//  1. lets the guests back the pages they touch for the first time;
//  2. runs the page-sharing scanner (KSM's 5000 pages/s; ESX's TPS): guests
//     of one image share a fraction of their pages, zero pages are shared
//     anyway, and 2 MiB pages are not shared until memory runs short
//     (VMware KB 1021095);
//  3. serves the guests' accesses: a write to a shared page breaks it
//     (copy on write), a touch of a swapped or compressed page faults it
//     back in;
//  4. sets its free-memory state from minFree (vSphere 5+: 6 % of the first
//     4 GiB, 4 % of the next 8, 2 % of the next 16, 1 % of the rest):
//     high ≥ minFree; clear, soft, hard and low below 100, 64, 32 and 16 %
//     of it, with a hysteresis of 1 % of memory on the way back up;
//  5. reclaims, from soft down: each VM's target comes from Waldspurger's
//     min-funding revocation with the idle memory tax (OSDI 2002, §5.2):
//     take memory from the VM with the lowest ρ = S/(P·(f + k(1−f))),
//     k = 1/(1−τ), τ = 0.75 — S its shares, P the memory it holds, f its
//     active fraction, estimated by sampling 100 pages every 30 s (§5.3).
//     The balloon inflates toward the target at 64 MiB/s up to 65 % of the
//     VM; what it cannot free in time is swapped; from hard down the swap
//     candidates that compress to half a page go to a compression cache
//     (≤ 10 % of the VM) instead; at low, VMs still above target are
//     stopped until memory recovers. Back at high, balloons deflate.
//
// A guest's slowdown per unit of work is S = 1 + Σ λ·t (the calibration
// note's model): guest page-ins when its working set W exceeds what the
// balloon leaves it, λ = h·(W − (C − b))/W; host swap-ins and
// decompressions, λ = h·s/(C − b) and h·z/(C − b) since the host's
// victims are random; copy-on-write breaks at the shared-page write rate;
// h is the guest's page-touch rate. Costs: 5 ms per disk read, 30 µs per
// decompression, 3 µs per copy-on-write. Host CPU counts the scanner
// (1 µs per page) and compression and decompression (30 µs per page).
//
// A host can run inside a datacenter run (model/datacenter): guests come
// and go (Add, Remove), and EpochCPUS is the host CPU of the last epoch,
// which the datacenter charges to the host. StepQuiet is Step that also
// reports a fixed point — the epoch changed no page, balloon, blocked
// flag, slowdown, free memory or state, and the state is above soft, so
// no reclamation target depends on the sampled active fractions; Step is
// a function of exactly that state and the guests' inputs, so until an
// input changes every further epoch would change nothing. Skip(n) then
// stands in for n epochs: it runs only the working-set sampling they would
// have run (the same random draws in the same order, one pass over the
// guests per sampling instant), so that the host continues bit for bit as
// if stepped. Page sharing with copy-on-write approaches its equilibrium
// geometrically and may keep a host stepping for hours; without sharing a
// host settles once its guests have backed their pages.
//
// Figures not published anywhere (balloon speed, compression ratio, the
// costs above, the smoothing of f) are parameters with the calibration
// note's assumed defaults (Defaults).
package mem
