package results

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// encodingJSON is what WriteSummaryJSON wrote before it had an encoder of
// its own: encoding/json's, indented by two spaces.
func encodingJSON(t testing.TB, s *Summary) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sameAsEncodingJSON(t testing.TB, name string, s *Summary) {
	t.Helper()
	s.Sanitize()
	var got bytes.Buffer
	if err := WriteSummaryJSON(&got, s); err != nil {
		t.Fatal(err)
	}
	if want := encodingJSON(t, s); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s: WriteSummaryJSON wrote\n%s\nencoding/json writes\n%s", name, got.Bytes(), want)
	}
}

// Every field set: a field added to Summary and not to appendSummaryJSON
// makes the outputs differ.
func filledSummary() *Summary {
	s := &Summary{}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("value of " + v.Type().Field(i).Name)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i*1000 + 7))
		case reflect.Uint64:
			f.SetUint(math.MaxUint64 - uint64(i))
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.1)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"a", "b=c"}))
		case reflect.Map:
			if f.Type().Elem().Kind() == reflect.Int {
				f.Set(reflect.ValueOf(map[string]int{"z": 1, "a": -2}))
			} else {
				f.Set(reflect.ValueOf(map[string]float64{"z": 1.5, "a": -2e-9}))
			}
		default:
			panic("Summary has a field of kind " + f.Kind().String() + ": teach filledSummary and appendSummaryJSON")
		}
	}
	return s
}

func TestSummaryJSONLikeEncodingJSON(t *testing.T) {
	tiny := math.SmallestNonzeroFloat64
	for _, tc := range []struct {
		name string
		s    *Summary
	}{
		{"empty", &Summary{}},
		{"every field", filledSummary()},
		{"a sweep run", &Summary{Scenario: "quickstart", ScenarioSHA256: "d7d7", Seed: 10451216379200822465,
			Revision: "unknown", Overrides: []string{"small_hosts=2"}, Policy: "first-fit", SimulatedS: 86400, Events: 3385,
			Hosts: 6, VMsRequested: 44, VMsPlaced: 38, VMsRejected: 6, EnergyKWh: 20.66291343072708,
			RejectionReasons: map[string]int{"0/6 hosts fit: 6 short on cores": 6},
			Metrics:          map[string]float64{"demanded_work_mi": 4280407464.5283365, "mean_power_w": 860.9547262802951},
			Warnings:         []string{"6 of 44 VMs were rejected"}}},
		{"numbers at the format's edges", &Summary{SimulatedS: 1e21, MakespanS: 999999999999999999999, LastCompletionS: 1e-6,
			FinishedWorkMI: 9.99e-7, EnergyKWh: -0.0, MeanUtil: tiny, PeakPowerW: math.MaxFloat64, MeanOnHosts: 1e-300,
			Metrics: map[string]float64{"a": 123456789.125, "b": -1e-7, "c": 0.1 + 0.2, "d": 1e20, "e": -1e21}}},
		{"strings to escape", &Summary{Scenario: `a "quoted" \ path`, Policy: "<b> & </b>", Consolidation: "tab\there\nnew line\r\x00\x1f",
			Revision: "é ü 中文 \u2028 \u2029 \xff\xfe invalid", Overrides: []string{"k=<v>"},
			RejectionReasons: map[string]int{"&": 1, "<": 2, "\x7f del": 3},
			Warnings:         []string{"\b\f", ""}}},
		{"empty lists and maps", &Summary{Overrides: []string{}, Warnings: []string{}, RejectionReasons: map[string]int{}, Metrics: map[string]float64{}}},
	} {
		sameAsEncodingJSON(t, tc.name, tc.s)
	}
}

// FuzzSummaryJSON: any strings and numbers give encoding/json's bytes.
func FuzzSummaryJSON(f *testing.F) {
	f.Add("quickstart", "first-fit", "", "small_hosts=2", "6 short on cores", 86400.0, 20.66291343072708, -1e-9, 3, uint64(1))
	f.Add("<&>", "\u2028", "thr/mmt", "\xff", "", 1e21, 0.0, 5e-324, -7, uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, name, policy, consolidation, override, reason string, x, y, z float64, n int, seed uint64) {
		s := &Summary{Scenario: name, Policy: policy, Consolidation: consolidation, Seed: seed,
			Overrides: []string{override, name}, SimulatedS: x, EnergyKWh: y, MeanUtil: z, Hosts: n, VMsRejected: -n,
			RejectionReasons: map[string]int{reason: n, policy: 1},
			Metrics:          map[string]float64{override: x, reason: z, "y": y},
			Warnings:         []string{reason}}
		sameAsEncodingJSON(t, "fuzzed", s)
	})
}

// BenchmarkWriteSummaryJSON encodes a sweep run's summary:
//
//	go test -run '^$' -bench WriteSummaryJSON ./results/
func BenchmarkWriteSummaryJSON(b *testing.B) {
	s := &Summary{Scenario: "quickstart", ScenarioSHA256: "d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7", Seed: 10451216379200822465,
		Revision: "unknown", Overrides: []string{"small_hosts=2"}, Policy: "first-fit", SimulatedS: 86400, Events: 3385,
		Hosts: 6, VMsRequested: 44, VMsPlaced: 38, VMsRejected: 6, EnergyKWh: 20.66291343072708,
		RejectionReasons: map[string]int{"0/6 hosts fit: 6 short on cores": 6},
		Metrics:          map[string]float64{"demanded_work_mi": 4280407464.5283365, "mean_power_w": 860.9547262802951},
		Warnings:         []string{"6 of 44 VMs were rejected"}}
	var w bytes.Buffer
	for b.Loop() {
		w.Reset()
		if err := WriteSummaryJSON(&w, s); err != nil {
			b.Fatal(err)
		}
	}
}
