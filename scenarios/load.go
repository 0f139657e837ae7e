package scenarios

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/simrun/simrun/internal/tomlguard"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/sim"
)

//go:embed *.toml data
var embedded embed.FS

// Options control loading.
type Options struct {
	// Sets are --set key=value overrides, applied in order.
	Sets []string
	// SeedOverride replaces the scenario's seed (--seed).
	SeedOverride *uint64
	// CheckPlacement, when set, validates the placement policy name and
	// arguments; its error joins the report under "placement".
	CheckPlacement func(policy string, args map[string]any) error
	// PowerModels are the named power tables power.model may use besides
	// "linear" and "table".
	PowerModels []string

	nested bool // a study variant being checked: do not check its variants
}

// InputError is a scenario that cannot be run, with every problem found.
// The CLI exits with code 2 on it.
type InputError struct{ Problems []error }

func (e *InputError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap gives the individual problems.
func (e *InputError) Unwrap() []error { return e.Problems }

// Info describes an embedded scenario.
type Info struct{ Name, Description string }

// Overrides are the applied --set overrides, normalized as key=value.
func (s *Scenario) Overrides() []string { return slices.Clone(s.overrides) }

// Embedded lists the embedded scenarios, sorted by name.
func Embedded() []Info {
	entries, _ := fs.Glob(embedded, "*.toml")
	var out []Info
	for _, e := range entries {
		name := strings.TrimSuffix(e, ".toml")
		var head struct {
			Description string `toml:"description"`
		}
		b, _ := embedded.ReadFile(e)
		toml.Decode(string(b), &head)
		desc := head.Description
		out = append(out, Info{Name: name, Description: desc})
	}
	return out
}

func embeddedNames() []string {
	entries, _ := fs.Glob(embedded, "*.toml")
	for i, e := range entries {
		entries[i] = strings.TrimSuffix(e, ".toml")
	}
	return entries
}

// Resolve loads nameOrPath: a file when it exists or ends in .toml, else an
// embedded scenario.
func Resolve(nameOrPath string, opts Options) (*Scenario, error) {
	if _, err := os.Stat(nameOrPath); err == nil || strings.HasSuffix(nameOrPath, ".toml") || strings.ContainsRune(nameOrPath, os.PathSeparator) {
		return Load(nameOrPath, opts)
	}
	return LoadEmbedded(nameOrPath, opts)
}

// Load reads and validates a scenario file.
func Load(file string, opts Options) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &InputError{[]error{fmt.Errorf("%s: cannot read the scenario: %w", file, unwrapPathErr(err))}}
	}
	return loadBytes(file, data, opts, false)
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// LoadEmbedded loads an embedded scenario by name ("quickstart").
func LoadEmbedded(name string, opts Options) (*Scenario, error) {
	data, err := embedded.ReadFile(name + ".toml")
	if err != nil {
		names := embeddedNames()
		msg := fmt.Sprintf("no scenario file or embedded scenario called %q", name)
		if s := suggest.Closest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, &InputError{[]error{fmt.Errorf("%s; embedded scenarios: %s", msg, strings.Join(names, ", "))}}
	}
	return loadBytes(name+".toml", data, opts, true)
}

// LoadBytes parses and validates scenario text; name is used in messages
// and its directory resolves relative trace paths.
func LoadBytes(name string, data []byte, opts Options) (*Scenario, error) {
	return loadBytes(name, data, opts, false)
}

// maxFileBytes bounds a scenario file: scenarios are short, and a huge file
// is a mistake (a trace given as the scenario, say).
const maxFileBytes = 4 << 20

// maxNesting bounds how deep arrays and inline tables may nest: the TOML
// parser takes time quadratic in the depth, and no scenario needs more
// than a few levels.
const maxNesting = 32

// maxProblems bounds how many problems one load reports.
const maxProblems = 100

func loadBytes(name string, data []byte, opts Options, isEmbedded bool) (*Scenario, error) {
	if len(data) > maxFileBytes {
		return nil, &InputError{[]error{fmt.Errorf("%s: %d bytes is more than a scenario file may hold (%d); is this the right file?", name, len(data), maxFileBytes)}}
	}
	if line, ok := tomlguard.TooDeep(data, maxNesting); !ok {
		return nil, &InputError{[]error{fmt.Errorf("%s:%d: arrays or inline tables nested more than %d deep", name, line, maxNesting)}}
	}
	l := &loader{file: name, lines: strings.Split(string(data), "\n")}
	doc, err := parseDoc(string(data))
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &InputError{[]error{fmt.Errorf("%s:%d:%d: %s", name, pe.Position.Line, pe.Position.Col, pe.Message)}}
		}
		return nil, &InputError{[]error{fmt.Errorf("%s: %v", name, err)}}
	}
	overrides := l.applySets(doc, opts.Sets)
	l.paramTable, _ = doc["parameters"].(map[string]any)
	l.substitute(doc, "")
	sc := &Scenario{}
	l.decode(doc, reflect.ValueOf(sc).Elem(), "")
	sc.Source, sc.File, sc.overrides, sc.embedded = data, name, overrides, isEmbedded
	sc.memo = &memo{}
	sc.dir = filepath.Dir(name)
	h := sha256.New()
	h.Write(data)
	for _, o := range overrides {
		h.Write([]byte("\n" + o))
	}
	sc.SHA256 = hex.EncodeToString(h.Sum(nil))
	applyDefaults(sc, name, doc)
	// After the defaults: a scenario without a seed key still takes --seed
	// (and a sweep's replication seeds).
	if opts.SeedOverride != nil {
		sc.Seed = *opts.SeedOverride
	}
	if errs := l.validate(sc, doc, opts); len(errs) > 0 {
		return nil, &InputError{errs}
	}
	return sc, nil
}

// Open opens a file the scenario refers to (a trace): absolute paths as
// they are; relative ones against the scenario file's directory, or inside
// the binary for embedded scenarios.
func (s *Scenario) Open(p string) (io.ReadCloser, error) {
	if s.embedded && !filepath.IsAbs(p) {
		f, err := embedded.Open(path.Clean(filepath.ToSlash(p)))
		if err != nil {
			return nil, fmt.Errorf("%s: no such file inside the embedded scenarios", p)
		}
		return f, nil
	}
	if !filepath.IsAbs(p) && s.dir != "" {
		p = filepath.Join(s.dir, p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, unwrapPathErr(err))
	}
	return f, nil
}

// Locate resolves a path the scenario refers to (a trace directory) to a
// file system and a slash-separated path inside it: the binary's embedded
// files for embedded scenarios, the parent directory of the resolved path
// otherwise.
func (s *Scenario) Locate(p string) (fs.FS, string) {
	if s.embedded && !filepath.IsAbs(p) {
		return embedded, path.Clean(filepath.ToSlash(p))
	}
	if !filepath.IsAbs(p) && s.dir != "" {
		p = filepath.Join(s.dir, p)
	}
	p = filepath.Clean(p)
	return os.DirFS(filepath.Dir(p)), filepath.Base(p)
}

// loader carries one load's context and collects its problems.
type loader struct {
	file       string
	lines      []string
	errs       []error
	paramTable map[string]any
	// reported holds the key paths that already have a problem, so a key
	// with a type error is not reported again by validation.
	reported map[string]bool
}

func (l *loader) errorf(key, format string, a ...any) {
	if l.reported[key] {
		return
	}
	if l.reported == nil {
		l.reported = map[string]bool{}
	}
	l.reported[key] = true
	if len(l.errs) == maxProblems {
		l.errs = append(l.errs, fmt.Errorf("%s: more problems not shown (stopped after %d)", l.file, maxProblems))
	}
	if len(l.errs) > maxProblems {
		return
	}
	loc := l.file
	if line := l.lineOf(key); line > 0 {
		loc = fmt.Sprintf("%s:%d", l.file, line)
	}
	l.errs = append(l.errs, fmt.Errorf("%s: %s: %s", loc, key, fmt.Sprintf(format, a...)))
}

var (
	idxRe    = regexp.MustCompile(`^(\w+)\[(\d+)\]$`)
	headerRe = regexp.MustCompile(`^\s*\[\[?[\w.\- ]+\]\]?\s*(#.*)?$`)
)

// lineOf finds the line of a key path in the source, best effort: it walks
// the table headers ([[host_group]] counted by index) and then looks for
// "key =" inside the section.
func (l *loader) lineOf(key string) int {
	lines := l.lines
	parts := strings.Split(key, ".")
	start, section := 0, ""
	for len(parts) > 1 {
		p := parts[0]
		idx := -1
		if m := idxRe.FindStringSubmatch(p); m != nil {
			p = m[1]
			idx, _ = strconv.Atoi(m[2])
		}
		if section != "" {
			section += "."
		}
		section += p
		found := false
		count := 0
		for i := start; i < len(lines); i++ {
			t := strings.TrimSpace(lines[i])
			if t == "[["+section+"]]" || (idx < 0 && t == "["+section+"]") {
				if idx < 0 || count == idx {
					start, found = i+1, true
					break
				}
				count++
			}
		}
		if !found {
			break
		}
		parts = parts[1:]
	}
	leaf := parts[0]
	if m := idxRe.FindStringSubmatch(leaf); m != nil {
		leaf = m[1]
	}
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(leaf) + `"?\s*=|[{,]\s*` + regexp.QuoteMeta(leaf) + `\s*=`)
	for i := start; i < len(lines); i++ {
		if headerRe.MatchString(lines[i]) {
			break // the section ended
		}
		if re.MatchString(lines[i]) {
			return i + 1
		}
	}
	return 0
}

// ---- --set ----

// applySets applies --set overrides to the generic document and returns
// them normalized.
func (l *loader) applySets(doc map[string]any, sets []string) []string {
	var out []string
	params, _ := doc["parameters"].(map[string]any)
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			l.errs = append(l.errs, fmt.Errorf("--set %q: want key=value", s))
			continue
		}
		val := parseValue(strings.TrimSpace(v))
		if _, isParam := params[k]; isParam {
			params[k] = val
			out = append(out, k+"="+v)
			continue
		}
		if err := setPath(doc, k, val); err != nil {
			msg := fmt.Sprintf("--set %s: %v", k, err)
			if len(params) > 0 {
				names := make([]string, 0, len(params))
				for n := range params {
					names = append(names, n)
				}
				slices.Sort(names)
				msg += fmt.Sprintf(" (declared parameters: %s)", strings.Join(names, ", "))
			}
			l.errs = append(l.errs, errors.New(msg))
			continue
		}
		out = append(out, k+"="+v)
	}
	return out
}

// parseValue reads a --set value as a TOML value when it is one (number,
// bool, quoted string, array), else as a bare string.
func parseValue(s string) any {
	var m map[string]any
	if _, err := toml.Decode("v = "+s, &m); err == nil {
		return m["v"]
	}
	return s
}

var setRe = regexp.MustCompile(`\[(\d+)\]`)

// setPath sets a dotted key path (host_group.0.count or host_group[0].count)
// in doc, checking it against the schema.
func setPath(doc map[string]any, key string, val any) error {
	key = setRe.ReplaceAllString(key, ".$1")
	parts := strings.Split(key, ".")
	t := reflect.TypeFor[Scenario]()
	var cur any = doc
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if t != nil && t.Kind() == reflect.Struct {
				f, ok := fieldByTag(t, p)
				if !ok {
					return fmt.Errorf("no key %q here%s", p, suggest.DidYouMean(p, tagNames(t)))
				}
				t = f.Type
				if t.Kind() == reflect.Pointer {
					t = t.Elem()
				}
			} else {
				t = nil // free-form map (parameters, placement.args)
			}
			if last {
				c[p] = val
				return nil
			}
			next, ok := c[p]
			if !ok {
				if t != nil && t.Kind() == reflect.Slice {
					return fmt.Errorf("%q has no entries to index", p)
				}
				next = map[string]any{}
				c[p] = next
			}
			cur = next
		case []map[string]any:
			n, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("%q is not an index", p)
			}
			if n < 0 || n >= len(c) {
				return fmt.Errorf("index %d out of range (there are %d)", n, len(c))
			}
			if t != nil {
				t = t.Elem()
			}
			if last {
				return fmt.Errorf("cannot replace a whole table")
			}
			cur = c[n]
		default:
			return fmt.Errorf("%q is not a table", strings.Join(parts[:i], "."))
		}
	}
	return nil
}

// ---- parameters ----

// substitute replaces "$name" strings by parameter values.
func (l *loader) substitute(v any, p string) any {
	params, _ := l.params()
	switch x := v.(type) {
	case map[string]any:
		keys := sortedKeys(x)
		for _, k := range keys {
			if p == "" && k == "parameters" {
				continue
			}
			x[k] = l.substitute(x[k], join(p, k))
		}
	case []map[string]any:
		for i := range x {
			l.substitute(x[i], fmt.Sprintf("%s[%d]", p, i))
		}
	case []any:
		for i := range x {
			x[i] = l.substitute(x[i], fmt.Sprintf("%s[%d]", p, i))
		}
	case string:
		if strings.HasPrefix(x, "$") && len(x) > 1 {
			name := x[1:]
			if val, ok := params[name]; ok {
				return val
			}
			names := sortedKeys(params)
			l.errorf(p, "refers to parameter %q, which [parameters] does not declare%s", name, suggest.DidYouMean(name, names))
		}
	}
	return v
}

// params is the parameters table of the document being loaded; set by decode's caller.
func (l *loader) params() (map[string]any, bool) { return l.paramTable, l.paramTable != nil }

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---- strict reflective decoding ----

var durationType = reflect.TypeFor[Duration]()

// decode assigns the generic value v to rv, reporting unknown keys and type
// mismatches with their key paths.
func (l *loader) decode(v any, rv reflect.Value, p string) {
	t := rv.Type()
	if t == durationType {
		d, err := parseDuration(v)
		if err != nil {
			l.errorf(p, "%v", err)
			return
		}
		rv.Set(reflect.ValueOf(d))
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			l.errorf(p, "want a table, got %s", describe(v))
			return
		}
		for _, k := range sortedKeys(m) {
			f, ok := fieldByTag(t, k)
			if !ok {
				l.errorf(join(p, k), "unknown key%s (valid here: %s)", suggest.DidYouMean(k, tagNames(t)), strings.Join(tagNames(t), ", "))
				continue
			}
			l.decode(m[k], rv.FieldByIndex(f.Index), join(p, k))
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Map {
			// An array of free-form tables ([[profile]]): the consumer checks
			// the keys.
			tables, ok := v.([]map[string]any)
			if !ok {
				l.errorf(p, "want an array of tables ([[%s]]), got %s", p, describe(v))
				return
			}
			rv.Set(reflect.ValueOf(tables))
			return
		}
		if t.Elem().Kind() == reflect.Struct {
			tables, ok := v.([]map[string]any)
			if !ok {
				l.errorf(p, "want an array of tables ([[%s]]), got %s", p, describe(v))
				return
			}
			s := reflect.MakeSlice(t, len(tables), len(tables))
			for i, tb := range tables {
				l.decode(tb, s.Index(i), fmt.Sprintf("%s[%d]", p, i))
			}
			rv.Set(s)
			return
		}
		arr, ok := v.([]any)
		if !ok {
			l.errorf(p, "want an array, got %s", describe(v))
			return
		}
		s := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			l.decode(e, s.Index(i), fmt.Sprintf("%s[%d]", p, i))
		}
		rv.Set(s)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			l.errorf(p, "want a table, got %s", describe(v))
			return
		}
		rv.Set(reflect.ValueOf(m))
	case reflect.Interface: // any value; the validation checks it
		if v != nil {
			rv.Set(reflect.ValueOf(v))
		}
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		l.decode(v, e.Elem(), p)
		rv.Set(e)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			l.errorf(p, "want a string, got %s", describe(v))
			return
		}
		rv.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			l.errorf(p, "want true or false, got %s", describe(v))
			return
		}
		rv.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := v.(int64)
		if !ok {
			if f, isF := v.(float64); isF && f == float64(int64(f)) && f >= -1e18 && f <= 1e18 {
				n, ok = int64(f), true
			}
		}
		if !ok {
			l.errorf(p, "want a whole number, got %s", describe(v))
			return
		}
		rv.SetInt(n)
	case reflect.Uint64:
		n, ok := v.(int64)
		if !ok || n < 0 {
			l.errorf(p, "want a non-negative whole number, got %s", describe(v))
			return
		}
		rv.SetUint(uint64(n))
	case reflect.Float64:
		switch x := v.(type) {
		case float64:
			rv.SetFloat(x)
		case int64:
			rv.SetFloat(float64(x))
		default:
			l.errorf(p, "want a number, got %s", describe(v))
		}
	default:
		l.errorf(p, "unsupported field type %s", t)
	}
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64, float64, bool:
		return fmt.Sprintf("%v", x)
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

func parseDuration(v any) (Duration, error) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return Duration{}, fmt.Errorf("must not be negative, got %d", x)
		}
		if x > int64(sim.Forever/sim.Second) {
			return Duration{}, fmt.Errorf("%d seconds is too long", x)
		}
		return Duration{sim.Time(x) * sim.Second}, nil
	case string:
		if x == "0" {
			return Duration{}, nil
		}
		d, err := time.ParseDuration(x)
		if err != nil {
			return Duration{}, fmt.Errorf("want a duration such as \"90s\", \"1h30m\" or \"24h\" (units ns, us, ms, s, m, h), got %q", x)
		}
		if d < 0 {
			return Duration{}, fmt.Errorf("must not be negative, got %q", x)
		}
		return Duration{sim.FromDuration(d)}, nil
	}
	return Duration{}, fmt.Errorf("want a duration string such as \"24h\" or a number of seconds, got %s", describe(v))
}

// String formats the duration as Go does ("1h30m0s").
func (d Duration) String() string { return d.Duration().String() }

// fieldByTag is the first field of struct type t whose toml tag names
// key. The names of each type are indexed once (a sweep loads its
// scenario once a grid point, and this lookup was a quarter of a load).
func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	idx, ok := tagIndex.Load(t)
	if !ok {
		names := map[string]int{}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
			if _, seen := names[name]; !seen && name != "-" {
				names[name] = i
			}
		}
		idx, _ = tagIndex.LoadOrStore(t, names)
	}
	i, ok := idx.(map[string]int)[key]
	if !ok {
		return reflect.StructField{}, false
	}
	return t.Field(i), true
}

var tagIndex sync.Map // reflect.Type → map[toml name]field index

func tagNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := strings.Split(t.Field(i).Tag.Get("toml"), ",")[0]; name != "" && name != "-" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
