// Package scenarios loads simrun scenarios: TOML files that describe host
// groups, VM groups, cloudlet groups, a placement policy and what to record.
// Every key, its unit and its default are listed in docs/scenario-format.md
// and in the field comments of Scenario (schema.go), which is the single
// definition: the loader derives the valid keys from its toml tags.
//
// Loading is strict and explains itself:
//
//   - TOML syntax errors are reported as file:line:col: message;
//   - unknown keys are rejected with the closest valid key ("did you mean")
//     and the line they stand on;
//   - type mismatches and invalid values name the key path, e.g.
//     host_group[1].ram_gib: must be > 0 (got -4);
//   - every problem is reported at once, as one *InputError.
//
// Before decoding, --set overrides are applied to the parsed document (a
// declared parameter, or any key path) and "$name" strings are replaced by
// [parameters] values, so sweeps and the CLI can change any key. Defaults are
// applied in one function, applyDefaults, only to keys the document leaves
// out: an explicit zero stays a zero and is judged by validation.
//
// The scenarios beside this file are embedded in the binary, so
// `simrun run quickstart` works from any directory; data/ holds the files they
// refer to (a PlanetLab trace, with its attribution).
package scenarios
