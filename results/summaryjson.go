package results

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// appendSummaryJSON appends s, sanitized, as encoding/json's Encoder with
// SetIndent("", "  ") writes it, byte for byte: fields in declaration
// order under their tags, "consolidation" omitted when empty, map keys
// sorted, strings escaped as encoding/json escapes them (HTML characters
// included), numbers formatted as it formats them, and a final newline.
// A sweep writes one summary per run, and encoding/json's indentation is
// a second pass over the compact text (three quarters of its time here).
// TestSummaryJSONLikeEncodingJSON and FuzzSummaryJSON hold it to
// encoding/json's output, a new field of Summary included.
func appendSummaryJSON(b []byte, s *Summary) []byte {
	b = append(b, "{\n"...)
	// Each appends a top-level key, its value, and the comma every field
	// but the last (warnings) has.
	str := func(name, v string) {
		b = append(appendJSONString(appendKey(b, name), v), ",\n"...)
	}
	num := func(name string, v float64) {
		b = append(appendJSONFloat(appendKey(b, name), v), ",\n"...)
	}
	integer := func(name string, v int) {
		b = append(strconv.AppendInt(appendKey(b, name), int64(v), 10), ",\n"...)
	}
	unsigned := func(name string, v uint64) {
		b = append(strconv.AppendUint(appendKey(b, name), v, 10), ",\n"...)
	}
	strs := func(name string, v []string) {
		b = append(appendStrings(appendKey(b, name), v), ",\n"...)
	}
	str("scenario", s.Scenario)
	str("scenario_sha256", s.ScenarioSHA256)
	unsigned("seed", s.Seed)
	str("revision", s.Revision)
	strs("overrides", s.Overrides)
	str("policy", s.Policy)
	if s.Consolidation != "" {
		str("consolidation", s.Consolidation)
	}
	num("simulated_s", s.SimulatedS)
	unsigned("events", s.Events)
	integer("hosts", s.Hosts)
	integer("vms_requested", s.VMsRequested)
	integer("vms_placed", s.VMsPlaced)
	integer("vms_rejected", s.VMsRejected)
	integer("vms_finished", s.VMsFinished)
	integer("vms_running_at_end", s.VMsRunningAtEnd)
	integer("cloudlets", s.Cloudlets)
	integer("cloudlets_finished", s.CloudletsFinished)
	num("last_completion_s", s.LastCompletionS)
	num("makespan_s", s.MakespanS)
	num("finished_work_mi", s.FinishedWorkMI)
	num("energy_kwh", s.EnergyKWh)
	num("mean_active_hosts", s.MeanActiveHosts)
	num("mean_on_hosts", s.MeanOnHosts)
	num("mean_util", s.MeanUtil)
	num("peak_power_w", s.PeakPowerW)
	b = appendSortedMap(appendKey(b, "rejection_reasons"), s.RejectionReasons, appendJSONInt)
	b = append(b, ",\n"...)
	b = appendSortedMap(appendKey(b, "metrics"), s.Metrics, appendJSONFloat)
	b = append(b, ",\n"...)
	b = appendKey(b, "warnings")
	b = appendStrings(b, s.Warnings)
	return append(b, "\n}\n"...)
}

// appendStrings appends a list of strings nested one level.
func appendStrings(b []byte, v []string) []byte {
	switch {
	case v == nil:
		return append(b, "null"...)
	case len(v) == 0:
		return append(b, "[]"...)
	}
	b = append(b, "[\n"...)
	for i, x := range v {
		b = append(b, "    "...)
		b = appendJSONString(b, x)
		if i < len(v)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return append(b, "  ]"...)
}

// appendKey appends a top-level key: indented, quoted, and a colon.
func appendKey(b []byte, k string) []byte {
	b = append(b, "  "...)
	b = appendJSONString(b, k)
	return append(b, ": "...)
}

// appendSortedMap appends a map nested one level, its keys sorted.
func appendSortedMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	if len(m) == 0 {
		return append(b, "{}"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, "{\n"...)
	for i, k := range keys {
		b = append(b, "    "...)
		b = appendJSONString(b, k)
		b = append(b, ": "...)
		b = value(b, m[k])
		if i < len(m)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return append(b, "  }"...)
}

// appendJSONInt appends v in decimal.
func appendJSONInt(b []byte, v int) []byte { return strconv.AppendInt(b, int64(v), 10) }

// appendJSONString appends s quoted. Printable ASCII other than the
// characters encoding/json escapes (" \ < > &) is copied; any other string
// is escaped by encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends a finite v as encoding/json formats a float64:
// the shortest decimal that reads back as v, in exponent form below 1e-6
// and from 1e21 up, the exponent without a leading zero.
func appendJSONFloat(b []byte, v float64) []byte {
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
