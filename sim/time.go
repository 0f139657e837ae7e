package sim

import (
	"math"
	"strconv"
	"time"
)

// Time is a simulated instant or duration in integer nanoseconds. Integer time
// makes ties exact and event order reproducible on every platform.
type Time int64

// Units of simulated time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
	Hour             = 60 * Minute
	// Forever is later than any instant a simulation reaches.
	Forever Time = math.MaxInt64
)

// Seconds converts t to floating-point seconds.
func Seconds(t Time) float64 { return float64(t) / float64(Second) }

// FromSeconds converts floating-point seconds to Time, rounding to the nearest
// nanosecond. Values beyond the representable range saturate at ±Forever.
func FromSeconds(s float64) Time {
	ns := math.Round(s * float64(Second))
	if ns >= math.MaxInt64 {
		return Forever
	}
	if ns <= math.MinInt64 {
		return -Forever
	}
	return Time(ns)
}

// FromDuration converts a wall-clock style duration to simulated time.
func FromDuration(d time.Duration) Time { return Time(d) }

// Duration converts t to a time.Duration (same unit).
func (t Time) Duration() time.Duration { return time.Duration(t) }

// String formats t as seconds with up to nanosecond precision, e.g. "12.5s".
func (t Time) String() string {
	if t == Forever {
		return "forever"
	}
	return strconv.FormatFloat(Seconds(t), 'f', -1, 64) + "s"
}
