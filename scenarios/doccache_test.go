package scenarios

import (
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

// A document from the cache is the parser's own, and changing it (as
// --set and substitution do) leaves the next parse of the text unchanged.
func TestParseDocIsACopy(t *testing.T) {
	const text = `
seed = 7
when = 2026-12-04T10:00:00Z
[parameters]
n = 3
[[host_group]]
name = "a"
sizes = [1, [2, 3], {x = 4}]
[[host_group]]
name = "b"
`
	var want map[string]any
	if _, err := toml.Decode(text, &want); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		doc, err := parseDoc(text)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(doc, want) {
			t.Fatalf("round %d: parseDoc = %v, want %v", round, doc, want)
		}
		// Change every level of the copy.
		doc["seed"] = int64(99)
		doc["parameters"].(map[string]any)["n"] = int64(100)
		groups := doc["host_group"].([]map[string]any)
		groups[0]["name"] = "changed"
		sizes := groups[0]["sizes"].([]any)
		sizes[0] = int64(-1)
		sizes[1].([]any)[0] = int64(-2)
		sizes[2].(map[string]any)["x"] = int64(-4)
		groups[1]["extra"] = true
	}
}

// Loads of one text with different --set values, in any order, give the
// scenarios separate loads give.
func TestLoadWithSetsAfterCachedParse(t *testing.T) {
	opts := func(sets ...string) Options { return Options{Sets: sets, PowerModels: []string{"hp-ml110-g5"}} }
	plain, err := LoadEmbedded("quickstart", opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, hosts := range []string{"2", "5", "8"} {
		sc, err := LoadEmbedded("quickstart", opts("small_hosts="+hosts))
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.HostGroups[0].Count; hosts != "8" && got == plain.HostGroups[0].Count {
			t.Errorf("small_hosts=%s: host group 0 has %d hosts, as without the --set", hosts, got)
		}
	}
	again, err := LoadEmbedded("quickstart", opts())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain, again) {
		t.Errorf("quickstart loaded after loads with --set differs from its first load")
	}
}

// BenchmarkLoadWithSet loads quickstart with a --set, as a sweep loads
// each grid point (the text's parse comes from the cache):
//
//	go test -run '^$' -bench LoadWithSet ./scenarios/
func BenchmarkLoadWithSet(b *testing.B) {
	opts := Options{Sets: []string{"small_hosts=4"}, PowerModels: []string{"hp-ml110-g5"}}
	for b.Loop() {
		if _, err := LoadEmbedded("quickstart", opts); err != nil {
			b.Fatal(err)
		}
	}
}
