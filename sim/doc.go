// Package sim is simrun's discrete-event engine.
//
// Time is an integer number of nanoseconds (Time), so ties are exact and the
// order of events is the same on every platform. Events are callbacks kept in
// a 4-ary min-heap keyed by (time, scheduling sequence): events at the same
// instant run in the order they were scheduled. The heap stores the key next
// to a slot index; slots hold the callbacks, are recycled through a free
// list and carry a generation, so scheduling and cancelling allocate nothing
// in steady state and a stale EventID can never cancel a newer event.
//
// The engine is sequential: no goroutines, no package-level state, no wall
// clock. Independent replications use independent Sims.
//
// Randomness comes from named streams: Stream(name) is a PCG generator
// (math/rand/v2) seeded with the master seed and the FNV-1a hash of the
// name, so adding a stream never changes the draws of another, and a
// *rand.Rand is directly usable as the Src of a gonum distribution.
//
// Statistics: Counter, Tally (Welford's mean and variance) and TimeAvg, the
// exact integral and time-weighted mean of a piecewise-constant signal.
//
// Models built on sim are fluids: a rate holds between events, so a model
// schedules only the next completion and, when a rate changes, cancels that
// event and schedules a new one.
package sim
